package org.tandemlb.admin.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files of {@code examples/monitoring} (the Prometheus config, the alert rules, the Grafana
 * dashboard) as the tests read them: the PromQL they hold, the {@code tandem_*} metrics that
 * PromQL names, and copies of the config and rules made for a test's own ports and timings.
 */
final class MonitoringFiles {
    /** The tests run in lb-admin's directory: the examples are beside it. */
    static final Path DIR =
            Path.of("..", "examples", "monitoring").toAbsolutePath().normalize();

    static final Path CONFIG = DIR.resolve("prometheus.yml");
    static final Path RULES = DIR.resolve("rules/tandem.yml");
    static final Path RULE_TESTS = DIR.resolve("rules/tandem_test.yml");
    static final Path DASHBOARD = DIR.resolve("grafana/tandem-dashboard.json");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TANDEM_METRIC = Pattern.compile("\\btandem_[a-zA-Z0-9_]+\\b");

    private MonitoringFiles() {}

    /** The {@code expr} of every alert rule, by alert name, in file order. */
    static Map<String, String> ruleExpressions() {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode group : read(YAML, RULES).path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                out.put(rule.path("alert").asText(), rule.path("expr").asText());
            }
        }
        return out;
    }

    /** The PromQL of every panel's queries, in file order. */
    static List<String> dashboardExpressions() {
        List<String> out = new ArrayList<>();
        for (JsonNode panel : read(JSON, DASHBOARD).path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                out.add(target.path("expr").asText());
            }
        }
        return out;
    }

    /** The queries of the dashboard's variables ({@code label_values(...)}: Grafana's, not PromQL). */
    static List<String> dashboardVariableQueries() {
        List<String> out = new ArrayList<>();
        for (JsonNode variable : read(JSON, DASHBOARD).path("templating").path("list")) {
            if (variable.has("definition")) {
                out.add(variable.path("definition").asText());
            }
        }
        return out;
    }

    /** The {@code tandem_*} metric names that {@code expressions} use. */
    static Set<String> tandemMetrics(Collection<String> expressions) {
        Set<String> names = new TreeSet<>();
        for (String e : expressions) {
            Matcher m = TANDEM_METRIC.matcher(e);
            while (m.find()) {
                names.add(m.group());
            }
        }
        return names;
    }

    /**
     * The alert rules with other {@code for:} durations (Prometheus's syntax: {@code 3s}) for the
     * alerts named in {@code forByAlert}, so that a test waits seconds where a site waits minutes.
     */
    static String rulesWith(Map<String, String> forByAlert) {
        JsonNode rules = read(YAML, RULES);
        Set<String> seen = new TreeSet<>();
        for (JsonNode group : rules.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                String name = rule.path("alert").asText();
                if (forByAlert.containsKey(name)) {
                    ((ObjectNode) rule).put("for", forByAlert.get(name));
                    seen.add(name);
                }
            }
        }
        if (!seen.equals(forByAlert.keySet())) {
            throw new IllegalArgumentException("no such alerts in " + RULES + ": " + forByAlert.keySet());
        }
        return write(rules);
    }

    /**
     * The Prometheus config of examples/monitoring with only its {@code tandem} job, scraping
     * {@code targets}, every {@code interval} (scrapes and rule evaluations), with {@code rules}.
     */
    static String configFor(List<String> targets, Path rules, String interval) {
        ObjectNode config = (ObjectNode) read(YAML, CONFIG);
        ObjectNode global = (ObjectNode) config.path("global");
        global.put("scrape_interval", interval);
        global.put("evaluation_interval", interval);
        config.putArray("rule_files").add(rules.toString());
        ArrayNode jobs = config.putArray("scrape_configs");
        for (JsonNode job : read(YAML, CONFIG).path("scrape_configs")) {
            if (job.path("job_name").asText().equals("tandem")) {
                ObjectNode tandem = jobs.addObject();
                tandem.put("job_name", "tandem");
                ArrayNode list = tandem.putArray("static_configs").addObject().putArray("targets");
                targets.forEach(list::add);
            }
        }
        if (jobs.isEmpty()) {
            throw new IllegalStateException(CONFIG + " has no tandem job");
        }
        return write(config);
    }

    private static JsonNode read(ObjectMapper mapper, Path file) {
        try {
            return mapper.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String write(JsonNode tree) {
        try {
            return YAML.writeValueAsString(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
