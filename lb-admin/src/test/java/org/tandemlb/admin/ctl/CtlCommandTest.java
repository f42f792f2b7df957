package org.tandemlb.admin.ctl;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.admin.TandemCommand;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.admin.daemon.Daemon;
import org.tandemlb.core.backend.AdminState;
import org.tandemlb.core.testsupport.ChildProcess;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.testsupport.TestBackends;
import picocli.CommandLine;

/** {@code tandem ctl} against a running daemon (in-process, and one {@code tandem} process), token and errors included. */
class CtlCommandTest {
    private static final String TOKEN = "s3cret-token";

    @TempDir
    Path dir;

    @RegisterExtension
    final TestBackends backends = new TestBackends();

    private Daemon daemon;
    private Path file;
    private String admin;

    private record Run(int exit, String out, String err) {}

    @BeforeEach
    void startDaemon() throws Exception {
        TestBackend a = backends.start("a");
        TestBackend b = backends.start("b");
        file = dir.resolve("tandem.yaml");
        Files.writeString(file, config(a, b));
        daemon = new Daemon(Map.of(), 1, Daemon.Admin.REQUIRED);
        daemon.start(ConfigLoader.load(file, Map.of()), file);
        InetSocketAddress address = daemon.adminAddress().orElseThrow();
        admin = "127.0.0.1:" + address.getPort();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> daemon.loadBalancer().backend("web").servers().stream()
                        .allMatch(s -> s.lastCheck() != null && s.isUp()));
    }

    @AfterEach
    void stopDaemon() {
        daemon.stop();
    }

    private static String config(TestBackend a, TestBackend b) {
        return """
                node: lb-ctl
                admin:
                  listen: 127.0.0.1:0
                  token: %s
                frontends:
                  - name: www
                    bind: 127.0.0.1:0
                    default_backend: web
                backends:
                  - name: web
                    health_check: { type: tcp, interval: 200ms, timeout: 1s, rise: 1, fall: 1 }
                    servers:
                      - { name: a, address: %s }
                      - { name: b, address: %s, weight: 20 }
                """.formatted(TOKEN, a.hostPort(), b.hostPort());
    }

    /** {@code tandem ARGS}, in-process. */
    private static Run tandem(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = TandemCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** {@code tandem ctl --admin ADDRESS --token TOKEN ARGS}. */
    private Run ctl(String... args) {
        List<String> all = new ArrayList<>(List.of("ctl", "--admin", admin, "--token", TOKEN));
        all.addAll(List.of(args));
        return tandem(all.toArray(String[]::new));
    }

    private AdminState state(String server) {
        return daemon.loadBalancer().backend("web").server(server).adminState();
    }

    @Test
    void statusPrintsTheNodeTheFrontendsAndTheServers() {
        Run r = ctl("status");

        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("node lb-ctl  cluster solo  members lb-ctl", lines.get(0), r.out());
        String www =
                lines.stream().filter(l -> l.startsWith("www ")).findFirst().orElseThrow();
        assertTrue(www.matches("www\\s+http\\s+127\\.0\\.0\\.1:\\d+\\s+0\\s+0"), www);
        assertTrue(lines.contains("backend web (http, roundrobin)"), r.out());
        String a = lines.stream().filter(l -> l.startsWith("a ")).findFirst().orElseThrow();
        assertTrue(a.matches("a\\s+127\\.0\\.0\\.1:\\d+\\s+ready\\s+up\\s+1\\s+0\\s+0\\s+passed: .*"), a);
        assertFalse(r.out().contains("\u001b["), "no colour when stdout is not a terminal");
    }

    @Test
    void serversListsOneBackendAndNamesTheBackendsForAnUnknownOne() {
        Run r = ctl("servers", "web");

        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(3, lines.size(), r.out());
        assertTrue(lines.get(0).matches("BACKEND\\s+SERVER\\s+ADDRESS\\s+STATE\\s+HEALTH\\s+WEIGHT.*"), lines.get(0));
        assertTrue(lines.get(2).matches("web\\s+b\\s+127\\.0\\.0\\.1:\\d+\\s+ready\\s+up\\s+20\\s.*"), lines.get(2));

        // The options may follow the subcommand too.
        Run after = tandem("ctl", "servers", "web", "--admin", admin);
        assertEquals(0, after.exit(), after.err());
        assertEquals(withoutCheckTimes(r.out()), withoutCheckTimes(after.out()));

        Run unknown = ctl("servers", "nope");
        assertEquals(1, unknown.exit());
        assertEquals("tandem: no backend 'nope' (backends: web)\n", unknown.err());
    }

    /** The output without the durations of the last checks, which change from one check to the next. */
    private static String withoutCheckTimes(String out) {
        return out.replaceAll("\\(\\d+ ms\\)", "");
    }

    @Test
    void drainReadyMaintAndWeightChangeTheServer() {
        Run drain = ctl("drain", "web/a");
        assertEquals(0, drain.exit(), drain.err());
        assertEquals("web/a: drain, health up, weight 1\n", drain.out());
        assertEquals(AdminState.DRAIN, state("a"));

        assertEquals(0, ctl("maint", "web/a").exit());
        assertEquals(AdminState.MAINT, state("a"));
        assertEquals(0, ctl("ready", "web/a").exit());
        assertEquals(AdminState.READY, state("a"));

        Run weight = ctl("weight", "web/b", "50");
        assertEquals(0, weight.exit(), weight.err());
        assertEquals("web/b: ready, health up, weight 50\n", weight.out());
        assertEquals(50, daemon.loadBalancer().backend("web").server("b").targetWeight());
    }

    @Test
    void errorsAreOneLineAndExitOne() throws IOException {
        Run unknownServer = ctl("drain", "web/zz");
        assertEquals(new Run(1, "", "tandem: backend web has no server 'zz'\n"), unknownServer);
        Run unknownBackend = ctl("drain", "db/a");
        assertEquals(new Run(1, "", "tandem: no backend 'db'\n"), unknownBackend);
        Run weight = ctl("weight", "web/a", "300");
        assertEquals(1, weight.exit());
        assertEquals("tandem: weight must be a whole number from 0 to 256, not 300\n", weight.err());

        Run noToken = tandem("ctl", "--admin", admin, "drain", "web/a");
        assertEquals(1, noToken.exit());
        assertEquals(1, noToken.err().lines().count(), noToken.err());
        assertTrue(
                noToken.err()
                        .startsWith("tandem: POST /api/v1/backends/web/servers/a: the admin API needs the token"
                                + ": give --token, set TANDEM_ADMIN_TOKEN"),
                noToken.err());
        Run wrongToken = tandem("ctl", "--admin", admin, "--token", "nope", "drain", "web/a");
        assertEquals(1, wrongToken.exit());
        assertEquals(
                "tandem: POST /api/v1/backends/web/servers/a: the admin API refused the token (wrong token)\n",
                wrongToken.err());
        assertEquals(AdminState.READY, state("a"));

        // A socket that is bound but does not listen refuses connections, and keeps its port.
        try (Socket closed = new Socket()) {
            closed.bind(new InetSocketAddress("127.0.0.1", 0));
            String nobody = "127.0.0.1:" + closed.getLocalPort();
            Run refused = tandem("ctl", "--admin", nobody, "status");
            assertEquals(1, refused.exit());
            assertEquals(
                    "tandem: cannot reach the admin API at " + nobody + ": connection refused (is tandem running? is"
                            + " admin.listen " + nobody + "?)\n",
                    refused.err());
        }

        Run usage = ctl("drain", "web");
        assertEquals(2, usage.exit());
        assertTrue(
                usage.err().startsWith("tandem ctl drain: 'web' is not BACKEND/SERVER (e.g. web/web1)\n"), usage.err());
        assertEquals(2, ctl("frobnicate").exit());
        assertEquals(2, tandem("ctl").exit());
    }

    @Test
    void theAddressAndTokenComeFromTheConfigFile() throws IOException {
        Path client = Files.writeString(
                dir.resolve("client.yaml"), "admin: { listen: \"" + admin + "\", token: " + TOKEN + " }\n");

        Run drain = tandem("ctl", "-c", client.toString(), "drain", "web/b");

        assertEquals(0, drain.exit(), drain.err());
        assertEquals(AdminState.DRAIN, state("b"));
        Path needsVariable = Files.writeString(
                dir.resolve("variable.yaml"),
                "admin: { listen: \"" + admin + "\", token: \"${CTL_TEST_UNSET_TOKEN}\" }\n");
        Run invalid = tandem("ctl", "-c", needsVariable.toString(), "status");
        assertEquals(1, invalid.exit());
        assertTrue(
                invalid.err()
                        .startsWith("tandem: cannot take the admin address from " + needsVariable + ": " + needsVariable
                                + ":1:"),
                invalid.err());
        assertTrue(invalid.err().contains("CTL_TEST_UNSET_TOKEN"), invalid.err());

        Run missing = tandem("ctl", "-c", dir.resolve("missing.yaml").toString(), "status");
        assertEquals(1, missing.exit());
        assertTrue(
                missing.err().startsWith("tandem: cannot read config file " + dir.resolve("missing.yaml")),
                missing.err());
    }

    @Test
    void reloadAppliesTheFileOrPrintsItsProblems() throws IOException {
        Run good = ctl("reload");
        assertEquals(new Run(0, "reloaded\n", ""), good);

        Files.writeString(file, Files.readString(file).replace("default_backend: web", "default_backend: webb"));
        Run bad = ctl("reload");

        assertEquals(1, bad.exit());
        List<String> err = bad.err().lines().toList();
        assertEquals(2, err.size(), bad.err());
        assertTrue(err.get(0).contains("frontends.www.default_backend: backend 'webb' is not defined"), err.get(0));
        assertEquals("tandem: reload refused (1 problem(s)): the running configuration is unchanged", err.get(1));
    }

    @Test
    void theTokenComesFromTheEnvironmentInATandemProcess() throws IOException {
        try (ChildProcess p = ChildProcess.java(TandemCommand.class)
                .jvmArgs("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
                .env("TANDEM_ADMIN_TOKEN", TOKEN)
                .args("ctl", "--admin", admin, "maint", "web/a")
                .start()) {
            assertTrue(p.awaitExit(Duration.ofSeconds(30)), p.output());
            assertEquals(0, p.exitCode(), p.output());
            assertEquals("web/a: maint, health up, weight 1", p.text().strip());
        }
        assertEquals(AdminState.MAINT, state("a"));
    }
}
