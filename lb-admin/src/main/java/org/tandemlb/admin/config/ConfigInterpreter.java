package org.tandemlb.admin.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tandemlb.admin.config.BackendRules.BackendItem;
import org.tandemlb.admin.config.DefaultsRules.Defaults;
import org.tandemlb.cluster.ClusterConfig;
import org.tandemlb.cluster.VipConfig;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.LoadBalancerConfig;

/**
 * Turns a {@link YamlNode} tree into a {@link TandemConfig}, collecting every problem with its
 * position instead of stopping at the first. The rules are those documented on {@link ConfigLoader}.
 * This class walks the top-level sections in order; the rules of each are in its own class
 * ({@link AdminRules}, {@link DefaultsRules}, {@link HealthCheckRules}, {@link BackendRules},
 * {@link FrontendRules}, {@link ClusterRules}), and {@link Section} reads typed values with their
 * positions.
 *
 * <p>Every check whose position matters is made on the tree, so that the problem points at
 * the right key or value; lb-core's and lb-cluster's records ({@link ClusterConfig},
 * {@link VipConfig}) are then built only from objects that had no problem, and an
 * {@link IllegalArgumentException} they still throw is reported at the object that failed.
 */
final class ConfigInterpreter {

    private static final List<String> TOP_KEYS =
            List.of("node", "admin", "state_file", "max_connections", "defaults", "frontends", "backends", "cluster");

    private final Problems problems;
    private final Map<String, String> env;
    private final String defaultNode;

    ConfigInterpreter(String file, Map<String, String> env, String defaultNode, List<ConfigProblem> problems) {
        this.problems = new Problems(file, problems);
        this.env = env;
        this.defaultNode = defaultNode;
    }

    /** The whole config, or null when a problem was found (then in {@code problems}). */
    TandemConfig interpret(YamlNode root) {
        if (!(root instanceof YamlNode.Mapping)) {
            problems.report(
                    root, "", "the file must be a mapping of keys such as frontends and backends, not " + root.kind());
            return null;
        }
        Section top = Section.open(problems, env, root, "", TOP_KEYS);
        String ownNode = top.name("node", "node");
        String node = ownNode == null ? defaultNode : ownNode;
        AdminSettings admin = new AdminRules(problems).read(top);
        // Empty is none, so that state_file: ${TANDEM_STATE_FILE:-} can turn it off.
        Path stateFile = top.parsed("state_file", text -> text.isEmpty() ? null : Path.of(text));
        Integer maxConnections = top.integer("max_connections", 0, Integer.MAX_VALUE);
        HealthCheckRules healthChecks = new HealthCheckRules(problems);
        Defaults defaults = new DefaultsRules(healthChecks).read(top);
        List<BackendItem> backends = new BackendRules(problems, healthChecks).read(top, defaults);
        Map<String, AccessLogSettings> accessLogs = new LinkedHashMap<>();
        List<FrontendConfig> frontends = new FrontendRules(problems).read(top, defaults, backends, accessLogs);
        ClusterConfig cluster = new ClusterRules(problems).read(top, node);

        if (!problems.isEmpty()) {
            // The reader's count too: a file with a second YAML document is not built.
            return null;
        }
        List<BackendConfig> backendConfigs =
                backends.stream().map(BackendItem::config).toList();
        LoadBalancerConfig lb = problems.build(
                root,
                "",
                () -> new LoadBalancerConfig(frontends, backendConfigs, maxConnections == null ? 0 : maxConnections));
        if (lb == null) {
            return null;
        }
        return problems.build(
                root,
                "",
                () -> new TandemConfig(
                        node, admin == null ? AdminSettings.DEFAULTS : admin, lb, accessLogs, cluster, stateFile));
    }
}
