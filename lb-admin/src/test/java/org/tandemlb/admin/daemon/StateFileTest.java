package org.tandemlb.admin.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.admin.ctl.AdminClient;
import org.tandemlb.core.backend.AdminState;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.HostPort;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.testsupport.TestBackends;

/** {@code state_file}: runtime changes made through the API survive a restart of the daemon. */
class StateFileTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final TestBackends backends = new TestBackends();

    private Daemon daemon;

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.stop();
        }
    }

    private Path stateFile() {
        return dir.resolve("state.json");
    }

    private Path write(TestBackend a, TestBackend b, int weightOfB) throws IOException {
        return Files.writeString(
                dir.resolve("tandem.yaml"), """
                node: lb-state
                admin: { listen: 127.0.0.1:0 }
                state_file: %s
                frontends:
                  - name: www
                    bind: 127.0.0.1:0
                    default_backend: web
                backends:
                  - name: web
                    servers:
                      - { name: a, address: %s }
                      - { name: b, address: %s, weight: %d }
                """.formatted(stateFile(), a.hostPort(), b.hostPort(), weightOfB));
    }

    /** Starts a daemon from {@code file}, as {@code tandem run} does. */
    private void start(Path file) throws Exception {
        daemon = new Daemon(Map.of(), 1, Daemon.Admin.REQUIRED);
        daemon.start(ConfigLoader.load(file, Map.of()), file);
    }

    private void restart(Path file) throws Exception {
        daemon.stop();
        daemon = null;
        start(file);
    }

    private AdminClient api() {
        return new AdminClient(
                new HostPort("127.0.0.1", daemon.adminAddress().orElseThrow().getPort()), "");
    }

    private Server server(String name) {
        return daemon.loadBalancer().backend("web").server(name);
    }

    @Test
    void aRestartKeepsADrainAndAWeightSetThroughTheApi() throws Exception {
        TestBackend a = backends.start("a");
        TestBackend b = backends.start("b");
        Path file = write(a, b, 10);
        start(file);
        assertFalse(Files.exists(stateFile()), "nothing to keep yet");

        api().post("/api/v1/backends/web/servers/a", "{\"state\": \"drain\"}");
        api().post("/api/v1/backends/web/servers/b", "{\"weight\": 30}");
        // Written soon after the change, not only at stop: a crash keeps it too.
        await().atMost(Duration.ofSeconds(5))
                .until(() -> Files.exists(stateFile())
                        && Files.readString(stateFile()).contains("\"weight\" : 30"));
        try (var files = Files.list(dir)) {
            assertEquals(
                    0,
                    files.filter(p -> p.getFileName().toString().endsWith(".tmp"))
                            .count(),
                    "no temp file");
        }

        restart(file);

        assertEquals(AdminState.DRAIN, server("a").adminState());
        assertEquals(30, server("b").targetWeight());
        int before = a.requests();
        try (RawHttp http = new RawHttp(daemon.loadBalancer().address("www"))) {
            for (int i = 0; i < 4; i++) {
                assertEquals("b\n", http.get("/" + i).body());
            }
        }
        assertEquals(before, a.requests(), "the drained server got no request after the restart");

        // Back to ready: the file forgets it, and the next start is as the config says.
        api().post("/api/v1/backends/web/servers/a", "{\"state\": \"ready\"}");
        api().post("/api/v1/backends/web/servers/b", "{\"weight\": 10}");
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !Files.readString(stateFile()).contains("\"server\" : \"a\""));
        restart(file);
        assertEquals(AdminState.READY, server("a").adminState());
        assertEquals(10, server("b").targetWeight());
    }

    @Test
    void aServerWhoseConfigLineChangedStartsFromTheConfig() throws Exception {
        TestBackend a = backends.start("a");
        TestBackend b = backends.start("b");
        Path file = write(a, b, 10);
        start(file);
        api().post("/api/v1/backends/web/servers/a", "{\"state\": \"maint\"}");
        api().post("/api/v1/backends/web/servers/b", "{\"state\": \"drain\"}");
        daemon.stop(); // the last write
        daemon = null;

        // b's weight changes in the file: b starts from the config; a's line is the same: a stays in maint.
        write(a, b, 20);
        start(file);

        assertEquals(AdminState.MAINT, server("a").adminState());
        assertEquals(AdminState.READY, server("b").adminState());
        assertEquals(20, server("b").targetWeight());
    }

    @Test
    void aCorruptOrUnreadableFileIsAWarningNotAFailedStart() throws Exception {
        TestBackend a = backends.start("a");
        TestBackend b = backends.start("b");
        Path file = write(a, b, 10);
        Files.writeString(stateFile(), "{\"version\": 1, \"servers\": [{\"backend\": \"web\", \"serv");
        start(file);
        assertEquals(AdminState.READY, server("a").adminState());
        daemon.stop();
        daemon = null;

        Files.delete(stateFile());
        Files.createDirectory(stateFile()); // a directory where the file should be: cannot be read nor written
        start(file);
        assertEquals(AdminState.READY, server("a").adminState());
        api().post("/api/v1/backends/web/servers/a", "{\"state\": \"drain\"}");
        assertEquals(AdminState.DRAIN, server("a").adminState(), "the API works on without the file");
    }

    @Test
    void theKeyIsAPathAndEmptyIsNone() throws Exception {
        assertEquals(
                Path.of("/var/lib/tandem/state.json"),
                ConfigLoader.parse("a.yaml", "state_file: /var/lib/tandem/state.json\n", Map.of())
                        .stateFile());
        assertNull(ConfigLoader.parse("b.yaml", "state_file: ${TANDEM_STATE_FILE:-}\n", Map.of())
                .stateFile());
        assertNull(ConfigLoader.parse("c.yaml", "node: x\n", Map.of()).stateFile());
    }

    @Test
    void withoutStateFileNothingIsWritten() throws Exception {
        TestBackend a = backends.start("a");
        TestBackend b = backends.start("b");
        Path file = write(a, b, 10);
        Files.writeString(file, Files.readString(file).replaceAll("state_file: .*\n", ""));
        start(file);
        api().post("/api/v1/backends/web/servers/a", "{\"state\": \"drain\"}");
        restart(file);
        assertEquals(AdminState.READY, server("a").adminState());
        assertTrue(Files.notExists(stateFile()));
    }
}
