package org.tandemlb.admin.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.admin.daemon.Daemon;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.testsupport.TestBackends;

/**
 * The status page of the standby of a two-node cluster (two daemons in this JVM, the {@code bind}
 * driver on 127.0.0.100) in a real headless Chromium, during a failover drill under steady
 * traffic to the VIP: the active node stops, the standby takes the VIP over, and its page shows
 * the new role, the VIP's new owner, the {@code cluster_role} and {@code failover} events and the
 * traffic arriving in its sparklines. Screenshots as {@link StatusPageHistoryBrowserTest} takes them.
 */
class StatusPageClusterBrowserTest {
    private static final String VIP = "127.0.0.100";

    @TempDir
    Path dir;

    @RegisterExtension
    final TestBackends backends = new TestBackends();

    private final List<Daemon> daemons = new ArrayList<>();
    private int base;
    private Chromium chromium;
    private PacedLoad load;

    @BeforeEach
    void start() throws Exception {
        base = 24000 + ThreadLocalRandom.current().nextInt(150) * 40; // below the ephemeral range (32768-)
        chromium = Chromium.start(dir);
    }

    @AfterEach
    void stop() {
        if (load != null) {
            load.close();
        }
        if (chromium != null) {
            chromium.close();
        }
        daemons.forEach(Daemon::stop);
    }

    private Daemon daemon(String node, int index, int priority, TestBackend web1, TestBackend web2) throws Exception {
        String yaml = """
                node: %s
                admin: { listen: 127.0.0.1:0 }
                defaults: { timeouts: { drain: 1s } }
                backends:
                  - name: web
                    mode: http
                    health_check: { type: tcp, interval: 500ms }
                    servers: [{ name: web1, address: "%s" }, { name: web2, address: "%s" }]
                frontends:
                  - { name: www, mode: http, bind: "%s:%d", default_backend: web }
                cluster:
                  name: drill
                  bind: 127.0.0.1:%d
                  peers: [127.0.0.1:%d, 127.0.0.1:%d]
                  priority: %d
                  secret: ${SECRET}
                  vips: [{ address: %s/32, driver: bind }]
                """.formatted(
                node, web1.hostPort(), web2.hostPort(), VIP, base + 30, base + index, base, base + 1, priority, VIP);
        Daemon d = new Daemon(Map.of("SECRET", "s3cret"), 1, Daemon.Admin.REQUIRED);
        d.start(ConfigLoader.parse(node + ".yaml", yaml, Map.of("SECRET", "s3cret")));
        daemons.add(d);
        return d;
    }

    /** Steady traffic to the VIP, paced by a scheduler, bounded in count and time. */
    private void startLoad() {
        load = PacedLoad.start(URI.create("http://" + VIP + ":" + (base + 30) + "/"));
    }

    private String text(String selector) throws Exception {
        return chromium.evaluate("(document.querySelector(\"" + selector + "\") || {}).textContent || ''")
                .asText();
    }

    private List<String> events() throws Exception {
        JsonNode rows = chromium.evaluate("[...document.querySelectorAll('#events tr[data-seq]')]"
                + ".map(tr => [...tr.children].slice(1).map(td => td.textContent).join(' '))");
        return AdminClient.JSON.convertValue(
                rows, AdminClient.JSON.getTypeFactory().constructCollectionType(List.class, String.class));
    }

    private int points(String key, String kind) throws Exception {
        return chromium.evaluate("(() => { const s = document.querySelector(\"[data-history='" + key + "'] .spark-"
                        + kind + "\"); return s && s.dataset.points ? Number(s.dataset.points) : -1; })()")
                .asInt();
    }

    private void screenshot(String name) throws Exception {
        Path shot = dir.resolve(name);
        chromium.screenshot(shot, 1360);
        String copyTo = System.getProperty("tandem.screenshots");
        if (copyTo != null && !copyTo.isBlank()) {
            Files.copy(shot, Path.of(copyTo).resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void theStandbysPageShowsItTakingTheVipOver() throws Exception {
        TestBackend web1 = backends.start("web1");
        TestBackend web2 = backends.start("web2");
        Daemon lb1 = daemon("lb1", 0, 200, web1, web2);
        // As an operator starts one host after the other: lb2 once lb1 is in its cluster.
        await("lb1 in a view")
                .atMost(Duration.ofSeconds(20))
                .until(() -> lb1.cluster().role() != ClusterView.Role.JOINING);
        Daemon lb2 = daemon("lb2", 1, 100, web1, web2);
        await("lb1 active, lb2 standby")
                .atMost(Duration.ofSeconds(20))
                .until(() -> lb1.cluster().role() == ClusterView.Role.ACTIVE
                        && lb2.cluster().role() == ClusterView.Role.STANDBY
                        && lb2.cluster().members().size() == 2);
        startLoad();
        chromium.navigate("http://127.0.0.1:" + lb2.adminAddress().orElseThrow().getPort() + "/");
        await("lb2's page: standby, the VIP on lb1")
                .atMost(Duration.ofSeconds(10))
                .ignoreExceptions()
                .until(() -> text("#role").equals("standby")
                        && text("#vips").contains("lb1")
                        // the group's name, its owner, the members able to take it
                        && text("#groups").equals("defaultlb1lb1, lb2")
                        && events().contains("cluster_role lb2 standby (was joining)"));
        int before = load.sent();
        await("traffic flows through lb1").atMost(Duration.ofSeconds(10)).until(() -> load.sent() > before + 100);
        screenshot("status-failover-4-lb2-standby.png");

        lb1.stop(); // SIGTERM on lb1: the VIP goes first, lb2 takes it
        await("lb2's page: active, the VIP on lb2, the failover listed")
                .atMost(Duration.ofSeconds(15))
                .ignoreExceptions()
                .until(() -> text("#role").equals("active")
                        && text("#vips").contains("lb2")
                        && text("#groups").equals("defaultlb2lb2")
                        && events().get(0).startsWith("failover lb2 took the VIPs over: " + VIP + "/32"));
        assertTrue(
                events().get(1).startsWith("cluster_role lb2 active (was standby): holds " + VIP + "/32"),
                events().toString());
        await("lb2's sparklines show the traffic it now serves")
                .atMost(Duration.ofSeconds(20))
                .ignoreExceptions()
                .until(() -> chromium.evaluate(
                                        "(() => { const v = document.querySelector(\"[data-history='backend:web'] .spark-requests .value\");"
                                                + " return v ? v.textContent : ''; })()")
                                .asText()
                                .matches("[1-9][0-9.]*/s .*")
                        && points("backend:web", "requests") >= 8);
        screenshot("status-failover-5-lb2-active.png");
        assertEquals(List.of(), chromium.problems(), "no script error, no CSP violation");
        // The handover costs at most a few requests (a connection refused while the VIP moves).
        assertTrue(load.failed() <= 20, load.failed() + " of " + load.sent() + " requests failed during the drill");
    }
}
