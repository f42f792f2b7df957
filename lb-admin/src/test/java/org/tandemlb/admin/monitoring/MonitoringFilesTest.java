package org.tandemlb.admin.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.testsupport.ExternalProcesses;
import org.tandemlb.core.testsupport.ExternalProcesses.CommandResult;

/**
 * examples/monitoring as Prometheus's own checker reads it: the config and the rules are valid,
 * and the unit tests of the alerts (tandem_test.yml) pass and cover every alert.
 */
class MonitoringFilesTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static CommandResult promtool(String... args) {
        Path promtool = ExternalProcesses.requireBinary("prometheus", "/usr/bin/promtool");
        List<String> command = new ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(args));
        CommandResult r = ExternalProcesses.run(TIMEOUT, command);
        assertEquals(0, r.exitCode(), String.join(" ", command) + "\n" + r.stdout() + r.stderr());
        return r;
    }

    @Test
    void theConfigIsValidAndFindsItsRuleFile() {
        CommandResult r = promtool("check", "config", MonitoringFiles.CONFIG.toString());
        assertTrue(r.stdout().contains("SUCCESS: 1 rule files found"), r.stdout());
    }

    @Test
    void theRulesAreValid() {
        CommandResult r = promtool("check", "rules", MonitoringFiles.RULES.toString());
        int alerts = MonitoringFiles.ruleExpressions().size();
        assertTrue(r.stdout().contains("SUCCESS: " + alerts + " rules found"), r.stdout());
    }

    @Test
    void theUnitTestsOfTheAlertsPass() {
        CommandResult r = promtool("test", "rules", MonitoringFiles.RULE_TESTS.toString());
        assertTrue(r.stdout().contains("SUCCESS"), r.stdout());
    }

    @Test
    void everyAlertIsTestedFiringAndNotFiring() throws Exception {
        JsonNode tests = new ObjectMapper(new YAMLFactory()).readTree(MonitoringFiles.RULE_TESTS.toFile());
        Set<String> firing = new TreeSet<>();
        Set<String> silent = new TreeSet<>();
        for (JsonNode test : tests.path("tests")) {
            for (JsonNode check : test.path("alert_rule_test")) {
                String name = check.path("alertname").asText();
                (check.path("exp_alerts").isEmpty() ? silent : firing).add(name);
            }
        }
        Set<String> alerts = MonitoringFiles.ruleExpressions().keySet();
        assertEquals(
                Set.of(
                        "TandemServerDown",
                        "TandemBackendDown",
                        "TandemNoActiveNode",
                        "TandemTwoActiveNodes",
                        "TandemFailover",
                        "TandemHigh5xxRatio",
                        "TandemHighLatencyP99",
                        "TandemCertificateExpiresSoon"),
                alerts);
        assertEquals(alerts, firing, "alerts with a test in which they fire");
        assertEquals(alerts, silent, "alerts with a test in which they do not fire");
    }
}
