package org.tandemlb.admin.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.admin.api.ReloadResult;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.core.frontend.Frontend;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.testsupport.TestBackends;

/**
 * A reload (README, "The tandem command"), proven under load (issue #4's acceptance): four client threads send keep-alive
 * requests without pause while the configuration is reloaded four times: weights change, a server
 * is added, a server is removed, the frontend's timeouts change. Not one request may fail, every
 * change must show in where requests land, and the clients' connections must live through it all.
 */
class ReloadUnderLoadTest {
    private static final Logger log = LoggerFactory.getLogger(ReloadUnderLoadTest.class);
    private static final int CLIENTS = 4;
    /** Bounds of each client's loop: whichever comes first. */
    private static final int MAX_REQUESTS_PER_CLIENT = 200_000;

    private static final Duration MAX_RUN = Duration.ofSeconds(40);
    /** Requests every client sends between two reloads (and before the first, after the last). */
    private static final int PER_PHASE = 400;

    @TempDir
    Path dir;

    @RegisterExtension
    final TestBackends backends = new TestBackends();

    private Daemon daemon;

    @AfterEach
    void stopEverything() {
        if (daemon != null) {
            daemon.stop();
        }
    }

    /**
     * Reloads started and finished: a request sent while both are k and answered before the next
     * reload starts was routed by configuration k alone; others straddle a reload.
     */
    private static final class Phases {
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger finished = new AtomicInteger();
    }

    /** The answers one client got, by phase and server. */
    private static final class Client implements Runnable {
        final InetSocketAddress lb;
        final Phases phases;
        final long deadline;
        volatile boolean stop;
        final AtomicLong sent = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        final AtomicLong straddling = new AtomicLong();
        final AtomicInteger connections = new AtomicInteger();
        final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        /** [phase] -> server -> count of the requests inside one phase; this client's thread only. */
        final List<Map<String, Integer>> answers = new ArrayList<>();

        Client(InetSocketAddress lb, Phases phases, long deadline) {
            this.lb = lb;
            this.phases = phases;
            this.deadline = deadline;
            for (int i = 0; i <= 4; i++) {
                answers.add(new LinkedHashMap<>());
            }
        }

        @Override
        public void run() {
            RawHttp http = null;
            try {
                for (int i = 0; i < MAX_REQUESTS_PER_CLIENT && !stop && System.nanoTime() < deadline; i++) {
                    int sentIn = phases.finished.get();
                    boolean quiet = phases.started.get() == sentIn; // no reload in progress
                    try {
                        if (http == null) {
                            http = new RawHttp(lb);
                            connections.incrementAndGet();
                        }
                        RawHttp.Response r = http.get("/load/" + i);
                        if (r.status() != 200) {
                            failures.incrementAndGet();
                            problems.add("status " + r.status() + " in phase " + sentIn + ": "
                                    + r.body().trim());
                        } else if (quiet && phases.started.get() == sentIn) {
                            answers.get(sentIn).merge(r.body().trim(), 1, Integer::sum);
                        } else {
                            straddling.incrementAndGet();
                        }
                    } catch (IOException e) {
                        failures.incrementAndGet();
                        problems.add(e + " in phase " + sentIn);
                        close(http);
                        http = null;
                    }
                    sent.incrementAndGet();
                }
            } finally {
                close(http);
            }
        }

        private static void close(RawHttp http) {
            if (http != null) {
                try {
                    http.close();
                } catch (IOException e) {
                    // closing
                }
            }
        }
    }

    /** Frontend www on 127.0.0.1:0 (the bind, as written, never changes), backend web. */
    private String config(String frontendTimeouts, Map<TestBackend, Integer> servers) {
        StringBuilder yaml = new StringBuilder("""
                node: test
                frontends:
                  - name: www
                    bind: 127.0.0.1:0
                    default_backend: web
                    access_log: { target: %s }
                """.formatted(dir.resolve("access.log")));
        if (frontendTimeouts != null) {
            yaml.append("    timeouts: ").append(frontendTimeouts).append('\n');
        }
        yaml.append("""
                backends:
                  - name: web
                    balance: roundrobin
                    health_check: { type: http, path: /health }
                    servers:
                """);
        servers.forEach((s, weight) -> yaml.append("      - { name: ")
                .append(s.name())
                .append(", address: ")
                .append(s.hostPort())
                .append(", weight: ")
                .append(weight)
                .append(" }\n"));
        return yaml.toString();
    }

    private void reload(Path file, String yaml, Phases phases) throws IOException {
        Files.writeString(file, yaml, StandardCharsets.UTF_8);
        phases.started.incrementAndGet();
        ReloadResult result = daemon.reload(file);
        phases.finished.incrementAndGet(); // requests sent from now on see the new configuration
        assertTrue(result.applied(), result.errors().toString());
    }

    private static void awaitProgress(List<Client> clients, int requestsEach) {
        long[] from = clients.stream().mapToLong(c -> c.sent.get()).toArray();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            for (int i = 0; i < clients.size(); i++) {
                if (clients.get(i).sent.get() - from[i] < requestsEach) {
                    return false;
                }
            }
            return true;
        });
    }

    @Test
    void fourReloadsUnderSteadyLoadFailNoRequest() throws Exception {
        TestBackend a = backends.start("a");
        TestBackend b = backends.start("b");
        TestBackend c = backends.start("c");
        Path file = dir.resolve("tandem.yaml");
        Files.writeString(file, config(null, ordered(a, 10, b, 10)), StandardCharsets.UTF_8);
        daemon = new Daemon(Map.of(), 2);
        daemon.start(ConfigLoader.load(file, Map.of()));
        InetSocketAddress lb = daemon.loadBalancer().address("www");
        Frontend www = daemon.loadBalancer().frontend("www");

        Phases phases = new Phases();
        long deadline = System.nanoTime() + MAX_RUN.toNanos();
        List<Client> clients = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            Client client = new Client(lb, phases, deadline);
            clients.add(client);
            Thread t = new Thread(client, "load-" + i);
            threads.add(t);
            t.start();
        }
        long started = System.nanoTime();
        try {
            awaitProgress(clients, PER_PHASE);
            // 1. weights: a gets three times b's share.
            reload(file, config(null, ordered(a, 30, b, 10)), phases);
            awaitProgress(clients, PER_PHASE);
            // 2. server c is added.
            reload(file, config(null, ordered(a, 30, b, 10, c, 10)), phases);
            awaitProgress(clients, PER_PHASE);
            // 3. server a is removed.
            reload(file, config(null, ordered(b, 10, c, 10)), phases);
            awaitProgress(clients, PER_PHASE);
            // Each client has one request in flight at most: those sent before the reload are answered now.
            int aAfterRemoval = a.requests();
            // 4. the frontend's timeouts change; its binds do not, so it keeps its socket.
            reload(file, config("{ client: 30s, http_request: 5s, keep_alive: 30s }", ordered(b, 10, c, 10)), phases);
            awaitProgress(clients, PER_PHASE);
            assertEquals(aAfterRemoval, a.requests(), "the removed server received no request after its reload");
        } finally {
            clients.forEach(cl -> cl.stop = true);
            for (Thread t : threads) {
                t.join(30_000);
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;

        long total = clients.stream().mapToLong(cl -> cl.sent.get()).sum();
        long failed = clients.stream().mapToLong(cl -> cl.failures.get()).sum();
        long straddling = clients.stream().mapToLong(cl -> cl.straddling.get()).sum();
        List<String> problems =
                clients.stream().flatMap(cl -> cl.problems.stream()).limit(20).toList();
        List<Map<String, Integer>> byPhase = new ArrayList<>();
        for (int p = 0; p <= 4; p++) {
            Map<String, Integer> merged = new LinkedHashMap<>();
            for (Client cl : clients) {
                cl.answers.get(p).forEach((server, n) -> merged.merge(server, n, Integer::sum));
            }
            byPhase.add(merged);
        }
        log.info(
                "reload under load: {} requests in {}s ({} per second), {} failed; answers by phase: {} "
                        + "(and {} sent or answered during a reload)",
                total,
                String.format(java.util.Locale.ROOT, "%.1f", seconds),
                Math.round(total / seconds),
                failed,
                byPhase,
                straddling);

        assertEquals(0, failed, "failed requests: " + problems);
        assertTrue(total >= CLIENTS * PER_PHASE * 5L, "the clients kept sending: " + total);
        assertEquals(
                CLIENTS,
                clients.stream().mapToInt(cl -> cl.connections.get()).sum(),
                "each client kept its one keep-alive connection through the four reloads");
        assertSame(www, daemon.loadBalancer().frontend("www"), "the frontend was updated in place");
        assertEquals(lb, daemon.loadBalancer().address("www"), "on the same socket");
        assertEquals(Duration.ofSeconds(30), www.config().timeouts().client(), "with the new timeouts");
        assertEquals(CLIENTS, www.connectionsTotal(), "no client had to reconnect");

        // Where requests landed, phase by phase (a request belongs to the phase it was sent in).
        assertRatios(Map.of("a", 1.0, "b", 1.0), byPhase.get(0), "b", 0.1);
        assertRatios(Map.of("a", 3.0, "b", 1.0), byPhase.get(1), "b", 0.3);
        assertRatios(Map.of("a", 3.0, "b", 1.0, "c", 1.0), byPhase.get(2), "b", 0.3);
        assertRatios(Map.of("b", 1.0, "c", 1.0), byPhase.get(3), "b", 0.1);
        assertRatios(Map.of("b", 1.0, "c", 1.0), byPhase.get(4), "b", 0.1);
        assertTrue(c.requests() > 0);

        // Every request is in the access log, once the daemon has stopped and flushed it.
        daemon.stop();
        long logged;
        try (var lines = Files.lines(dir.resolve("access.log"), StandardCharsets.UTF_8)) {
            logged = lines.filter(l -> l.contains(" GET /load/") && l.contains(" 200 "))
                    .count();
        }
        assertEquals(total, logged, "one access log line per request");
    }

    private static Map<TestBackend, Integer> ordered(Object... serverWeight) {
        Map<TestBackend, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < serverWeight.length; i += 2) {
            m.put((TestBackend) serverWeight[i], (Integer) serverWeight[i + 1]);
        }
        return m;
    }

    /** Each expected server's share, relative to the unit server, within {@code tolerance}; no other server. */
    private static void assertRatios(
            Map<String, Double> expected, Map<String, Integer> counts, String unit, double tolerance) {
        Map<String, Double> actual = new LinkedHashMap<>();
        counts.forEach((server, n) -> actual.put(server, n / (double) counts.get(unit)));
        expected.forEach((server, ratio) -> assertTrue(
                actual.containsKey(server) && Math.abs(actual.get(server) - ratio) <= tolerance,
                server + " expected ratio " + ratio + ", got " + counts));
        assertEquals(expected.keySet(), counts.keySet(), "the servers that answered: " + counts);
    }
}
