package org.tandemlb.admin.monitoring;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.admin.cluster.TandemProcess;
import org.tandemlb.core.testsupport.ExternalProcesses;
import org.tandemlb.core.testsupport.TestCertificates;
import org.tandemlb.core.testsupport.TestCertificates.Issued;
import org.tandemlb.core.testsupport.TestCertificates.KeyFormat;
import org.tandemlb.core.testsupport.TestCertificates.KeyType;

/**
 * Every {@code tandem_*} metric that the alert rules and the Grafana dashboard of
 * examples/monitoring use is served by a real {@code tandem run}'s {@code /metrics}: a rule or a
 * panel on a misspelt or removed metric would otherwise stay silent forever.
 */
class MonitoredMetricsTest {
    /** A VIP of its own (bind driver on loopback), so that no other test's daemon answers on it. */
    private static final String VIP = "127.0.0.101";

    private static final Pattern SAMPLE_NAME = Pattern.compile("(?m)^(tandem_[a-zA-Z0-9_]+)[{ ]");
    private static final Pattern HISTOGRAM_SERIES = Pattern.compile("(.+)_(bucket|sum|count)");

    @TempDir
    Path dir;

    @Test
    void everyTandemMetricOfTheRulesAndTheDashboardIsExported() throws Exception {
        List<String> expressions =
                new ArrayList<>(MonitoringFiles.ruleExpressions().values());
        expressions.addAll(MonitoringFiles.dashboardExpressions());
        expressions.addAll(MonitoringFiles.dashboardVariableQueries());
        Set<String> used = MonitoringFiles.tandemMetrics(expressions);
        // The names are really parsed out of the files (an empty set would pass anything).
        assertTrue(
                used.containsAll(Set.of(
                        "tandem_cluster_active",
                        "tandem_cluster_failovers_total",
                        "tandem_backend_response_seconds_bucket",
                        "tandem_tls_certificate_expiry_seconds",
                        "tandem_server_up")),
                used.toString());

        // Everything a deployment can have: a cluster section (one node), a VIP, a TLS frontend.
        TestCertificates ca = TestCertificates.create(dir.resolve("tls"));
        Issued www = ca.issue("www", KeyType.EC, KeyFormat.PKCS8, "www.test");
        int clusterPort = ExternalProcesses.randomPort();
        String yaml = """
                node: lb-metrics
                admin:
                  listen: 127.0.0.1:0
                frontends:
                  - { name: www, mode: http, bind: ["%1$s:%2$d"], default_backend: web }
                  - name: https
                    mode: http
                    bind: 127.0.0.1:0
                    default_backend: web
                    tls: { certificates: [{ cert: "%3$s", key: "%4$s" }] }
                backends:
                  - { name: web, mode: http, servers: [{ name: web1, address: "127.0.0.1:9" }] }
                cluster:
                  name: metrics-test
                  bind: 127.0.0.1:%2$d
                  peers: [127.0.0.1:%2$d]
                  secret: metrics-test-secret
                  vips:
                    - { address: %1$s/32, driver: bind }
                """.formatted(VIP, clusterPort, www.chain(), www.key());
        Path file = Files.writeString(dir.resolve("tandem.yaml"), yaml, StandardCharsets.UTF_8);

        try (TandemProcess tandem = TandemProcess.start("lb-metrics", file, 0, Map.of())) {
            // The cluster's meters are bound once the node has bound its port, just after the admin server.
            await("the cluster's metrics")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> tandem.get("/metrics").contains("tandem_cluster_failovers_total"));
            String metrics = tandem.get("/metrics");
            Set<String> exported = new TreeSet<>();
            Matcher m = SAMPLE_NAME.matcher(metrics);
            while (m.find()) {
                exported.add(m.group(1));
            }
            Set<String> missing = new TreeSet<>();
            for (String name : used) {
                Matcher h = HISTOGRAM_SERIES.matcher(name);
                boolean histogramPart = h.matches() && exported.contains(h.group(1) + "_bucket");
                boolean histogramBase = exported.contains(name + "_bucket");
                if (!exported.contains(name) && !histogramPart && !histogramBase) {
                    missing.add(name);
                }
            }
            assertEquals(Set.of(), missing, "used by examples/monitoring but not exported:\n" + metrics);
        }
    }
}
