package org.tandemlb.admin.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.admin.TandemCommand;
import org.tandemlb.admin.api.ReloadResult;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.admin.config.TandemConfig;
import org.tandemlb.core.LoadBalancerException;
import org.tandemlb.core.testsupport.ChildProcess;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.testsupport.TestBackends;
import org.tandemlb.core.transport.Transport;

/** The daemon's life: start from a file, reload good and bad files, stop; and the same driven by signals. */
class DaemonTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final TestBackends backends = new TestBackends();

    private TestBackend a;
    private TestBackend b;
    private TestBackend c;
    private Daemon daemon;

    @BeforeEach
    void startBackends() {
        a = backends.start("a");
        b = backends.start("b");
        c = backends.start("c");
    }

    @AfterEach
    void stopDaemon() {
        if (daemon != null) {
            daemon.stop();
        }
    }

    /** A config with frontend www on 127.0.0.1:{@code port} in front of {@code servers}. */
    private static String config(int port, TestBackend... servers) {
        StringBuilder yaml = new StringBuilder("""
                node: test
                admin: { listen: 127.0.0.1:0 }
                frontends:
                  - name: www
                    bind: 127.0.0.1:%d
                    default_backend: web
                backends:
                  - name: web
                    servers:
                """.formatted(port));
        for (TestBackend s : servers) {
            yaml.append("      - { name: ")
                    .append(s.name())
                    .append(", address: ")
                    .append(s.hostPort())
                    .append(" }\n");
        }
        return yaml.toString();
    }

    private Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("tandem.yaml"), yaml, StandardCharsets.UTF_8);
    }

    private Daemon start(Path file) throws Exception {
        TandemConfig config = ConfigLoader.load(file, Map.of());
        daemon = new Daemon(Map.of(), 2);
        daemon.start(config);
        return daemon;
    }

    /** The bodies of {@code n} requests over one keep-alive connection, in order. */
    private static List<String> bodies(InetSocketAddress lb, int n) throws IOException {
        List<String> out = new ArrayList<>();
        try (RawHttp http = new RawHttp(lb)) {
            for (int i = 0; i < n; i++) {
                RawHttp.Response r = http.get("/");
                assertEquals(200, r.status(), r.body());
                out.add(r.body().trim());
            }
        }
        return out;
    }

    private static Map<String, Integer> counts(List<String> bodies) {
        Map<String, Integer> counts = new HashMap<>();
        bodies.forEach(body -> counts.merge(body, 1, Integer::sum));
        return counts;
    }

    @Test
    void startsReloadsAndStops() throws Exception {
        Path file = write(config(0, a, b));
        start(file);
        InetSocketAddress lb = daemon.loadBalancer().address("www");

        List<String> first = bodies(lb, 10);
        assertEquals(Map.of("a", 5, "b", 5), counts(first));
        for (int i = 1; i < first.size(); i++) {
            assertNotEquals(first.get(i - 1), first.get(i), "round-robin alternates: " + first);
        }

        // A third server: applied in place, on the same socket (the bind, as written, is unchanged).
        write(config(0, a, b, c));
        ReloadResult added = daemon.reload(file);
        assertTrue(added.applied(), added.errors().toString());
        assertEquals(lb, daemon.loadBalancer().address("www"));
        assertEquals(Map.of("a", 10, "b", 10, "c", 10), counts(bodies(lb, 30)));

        // An invalid file: every problem reported, nothing changed.
        TandemConfig before = daemon.config();
        write(config(0, a, b, c)
                .replace("default_backend: web", "default_backend: webb")
                .replace("node: test", "node: test\nnodes: 2"));
        ReloadResult refused = daemon.reload(file);
        assertFalse(refused.applied());
        assertEquals(2, refused.errors().size(), refused.errors().toString());
        refused.errors().forEach(e -> assertTrue(e.startsWith(file + ":"), e));
        assertSame(before, daemon.config());
        assertEquals(Map.of("a", 10, "b", 10, "c", 10), counts(bodies(lb, 30)));

        // A file that is gone: refused as well.
        Files.delete(file);
        assertFalse(daemon.reload(file).applied());
        assertEquals(Map.of("a", 1, "b", 1, "c", 1), counts(bodies(lb, 3)));

        daemon.stop();
        assertThrows(ConnectException.class, () -> new Socket(lb.getAddress(), lb.getPort()).close());
        assertFalse(daemon.reload(file).applied(), "no reload after stop");
        daemon.stop(); // idempotent
    }

    @Test
    void theTransportComesFromTheEnvironmentAndABadOneFailsTheStart() throws Exception {
        Path file = write(config(0, a));
        TandemConfig config = ConfigLoader.load(file, Map.of());

        daemon = new Daemon(Map.of(Daemon.TRANSPORT_ENV, "nio"), 1);
        daemon.start(config);
        assertEquals(Transport.NIO, daemon.loadBalancer().transport());
        assertEquals(Map.of("a", 2), counts(bodies(daemon.loadBalancer().address("www"), 2)));
        daemon.stop();

        Daemon bad = new Daemon(Map.of(Daemon.TRANSPORT_ENV, "kqueue"), 1);
        LoadBalancerException e = assertThrows(LoadBalancerException.class, () -> bad.start(config));
        assertEquals("TANDEM_TRANSPORT: unknown transport 'kqueue' (io_uring, epoll, nio or auto)", e.getMessage());

        daemon = new Daemon(Map.of(Daemon.TRANSPORT_ENV, ""), 1);
        daemon.start(config);
        assertEquals(Transport.best(), daemon.loadBalancer().transport(), "unset or empty: auto");
    }

    @Test
    void requestReloadRunsOnTheReloadThread() throws Exception {
        Path file = write(config(0, a, b));
        start(file);
        InetSocketAddress lb = daemon.loadBalancer().address("www");
        write(config(0, c));

        ReloadResult result = daemon.requestReload(file).get(30, TimeUnit.SECONDS);

        assertTrue(result.applied(), result.errors().toString());
        assertEquals(Map.of("c", 4), counts(bodies(lb, 4)));
    }

    @Test
    void aReloadBeforeTheStartOrAfterTheStopIsRefusedSayingSo() throws Exception {
        Path file = write(config(0, a));
        Daemon fresh = new Daemon(Map.of());
        try {
            ReloadResult none = fresh.requestReload().get(10, TimeUnit.SECONDS);
            assertEquals(List.of("tandem is not started yet"), none.errors());
            ReloadResult withFile = fresh.requestReload(file).get(10, TimeUnit.SECONDS);
            assertEquals(List.of("tandem is not started yet"), withFile.errors());
            // An invalid file is refused for its problems, before the start too.
            Path bad = write("frontends: [");
            assertFalse(fresh.reload(bad).applied());
        } finally {
            fresh.stop();
        }
        ReloadResult stopped = fresh.requestReload().get(10, TimeUnit.SECONDS);
        assertFalse(stopped.applied());
    }

    @Test
    void drainTimeoutIsTheLongestOfTheFrontends() throws Exception {
        Path file = write("""
                frontends:
                  - { name: one, bind: 127.0.0.1:0, default_backend: web, timeouts: { drain: 1s } }
                  - { name: two, bind: 127.0.0.1:0, default_backend: web, timeouts: { drain: 3s } }
                  - { name: three, bind: 127.0.0.1:0, default_backend: web }
                defaults:
                  timeouts: { drain: 500ms }
                backends:
                  - name: web
                    servers: [{ name: a, address: %s }]
                """.formatted(a.hostPort()));
        start(file);

        assertEquals(Duration.ofSeconds(3), daemon.drainTimeout());
    }

    @Test
    void aFrontendThatCannotListenFailsTheStartAndLeavesNothingBound() throws Exception {
        Path first = write(config(0, a));
        start(first);
        int taken = daemon.loadBalancer().address("www").getPort();
        Daemon second = new Daemon(Map.of(), 1);

        TandemConfig clash = ConfigLoader.parse("clash.yaml", config(taken, a), Map.of());
        assertThrows(LoadBalancerException.class, () -> second.start(clash));
        second.stop(); // harmless after a failed start
    }

    private static final Pattern LISTENING = Pattern.compile("www \\(http\\) on 127\\.0\\.0\\.1:(\\d+)");

    /** {@code tandem run} in its own JVM: SIGHUP reloads the file, SIGTERM stops it with exit code 0. */
    @Test
    void runReloadsOnSighupAndExitsZeroOnSigterm() throws Exception {
        Path file = write(config(0, a, b));
        try (ChildProcess p = ChildProcess.java(TandemCommand.class)
                .args("run", "-c", file.toString())
                .start()) {
            // The summary line names the port the system chose for 127.0.0.1:0.
            int port = Integer.parseInt(
                    p.awaitLine(LISTENING, Duration.ofSeconds(60)).group(1));
            InetSocketAddress lb = new InetSocketAddress("127.0.0.1", port);
            assertEquals(Map.of("a", 2, "b", 2), counts(bodies(lb, 4)));

            write(config(0, c));
            p.signal(ChildProcess.Signal.HUP);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> counts(bodies(lb, 1)).containsKey("c"));

            p.signal(ChildProcess.Signal.TERM);
            assertTrue(p.awaitExit(Duration.ofSeconds(30)), "tandem run did not stop: " + p.output());
            assertEquals(0, p.exitCode(), p.output());
            assertTrue(p.lines().stream().noneMatch(l -> l.contains("Exception")), p.output());
            assertThrows(ConnectException.class, () -> new Socket(lb.getAddress(), lb.getPort()).close());
        }
    }
}
