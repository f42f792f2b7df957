package org.tandemlb.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.core.testsupport.ChildProcess;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;

/**
 * Issue #4's acceptance for packaging: the tarball that {@code mvn package} builds unpacks
 * outside the source tree, and its {@code bin/tandem} checks the shipped config and runs a daemon
 * that serves, reloads nothing it should not, and stops on SIGTERM with exit code 0. Run by
 * failsafe after {@code package} ({@code mvn verify}), which passes the tarball's path.
 */
class TarballIT {
    private static final String VERSION = System.getProperty("tandem.version");
    private static final Pattern STARTED =
            Pattern.compile("started, node it, pid (\\d+): frontends www \\(http\\) on 127\\.0\\.0\\.1:(\\d+)");

    private static final Pattern ADMIN =
            Pattern.compile("admin API, /metrics and status page on 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    static Path dir;

    private static Path home;

    @BeforeAll
    static void unpack() throws Exception {
        String tarball = System.getProperty("tandem.tarball");
        assertNotNull(tarball, "run by failsafe (mvn verify), which sets tandem.tarball");
        assertTrue(Files.isRegularFile(Path.of(tarball)), tarball + " was not built");
        assertTrue(
                !dir.toRealPath().startsWith(Path.of("").toAbsolutePath()), "unpacked outside the source tree: " + dir);
        Result tar = exec(dir, List.of("tar", "-xzf", tarball, "-C", dir.toString()));
        assertEquals(0, tar.code(), tar.output());
        home = dir.resolve("tandem-" + VERSION);
    }

    private record Result(int code, String output) {}

    /** Runs a command to its end in {@code workDir}; stdout and stderr together. */
    private static Result exec(Path workDir, List<String> command) throws IOException {
        try (ChildProcess p = child(workDir, command)) {
            assertTrue(p.awaitExit(Duration.ofSeconds(60)), command + " did not end: " + p.text());
            return new Result(p.exitCode(), p.text());
        }
    }

    private static ChildProcess child(Path workDir, List<String> command) throws IOException {
        return ChildProcess.command(command)
                .directory(workDir)
                .unsetEnv("CLASSPATH") // nothing from the build may leak in
                .env("TANDEM_JAVA_OPTS", "-Xms32m -Xmx128m")
                .start();
    }

    @Test
    void theTarballHasTheDocumentedLayout() throws IOException {
        assertTrue(Files.isExecutable(home.resolve("bin/tandem")));
        assertTrue(Files.isRegularFile(home.resolve("lib/tandem.jar")));
        try (Stream<Path> lib = Files.list(home.resolve("lib"))) {
            List<String> jars = lib.map(p -> p.getFileName().toString()).toList();
            assertTrue(jars.stream().anyMatch(j -> j.startsWith("lb-core-")), jars.toString());
            assertTrue(jars.stream().anyMatch(j -> j.startsWith("netty-transport-native-epoll-")), jars.toString());
            assertTrue(
                    jars.stream().noneMatch(j -> j.contains("junit") || j.contains("tests")), "no test jars: " + jars);
        }
        for (String f : List.of(
                "conf/tandem.yaml",
                "systemd/tandem.service",
                "logrotate/tandem",
                "completion/tandem",
                "docs/configuration.md",
                "docs/access-log.md",
                "README.txt")) {
            assertTrue(Files.isRegularFile(home.resolve(f)), f);
        }
        String readme = Files.readString(home.resolve("README.txt"));
        assertTrue(readme.contains("Tandem " + VERSION + ":") && !readme.contains("${"), readme);
    }

    @Test
    void theBashCompletionCompletesTheCommands() throws Exception {
        // What bash does on "tandem ctl <TAB>": the completion function with the words so far.
        String script = "source completion/tandem 2>/dev/null; COMP_WORDS=(tandem ctl ''); COMP_CWORD=2;"
                + " COMP_LINE='tandem ctl '; _complete_tandem tandem '' ctl 2>/dev/null; echo \"${COMPREPLY[*]}\"";
        Result ctl = exec(home, List.of("bash", "-c", script));
        assertEquals(new Result(0, "status servers events drain maint ready reload weight\n"), ctl);

        Result top = exec(
                home,
                List.of(
                        "bash",
                        "-c",
                        script.replace("(tandem ctl '')", "(tandem '')")
                                .replace("COMP_CWORD=2", "COMP_CWORD=1")
                                .replace("'tandem ctl '", "'tandem '")
                                .replace("'' ctl", "'' tandem")));
        assertEquals(0, top.code(), top.output());
        assertTrue(top.output().contains("ctl") && top.output().contains("run"), top.output());
    }

    @Test
    void binTandemChecksTheShippedConfigAndPrintsItsVersion() throws Exception {
        Result version = exec(dir, List.of(home.resolve("bin/tandem").toString(), "version"));
        assertEquals(new Result(0, "tandem " + VERSION + "\n"), version);

        Result check = exec(home, List.of("bin/tandem", "check", "-c", "conf/tandem.yaml"));
        assertEquals(0, check.code(), check.output());
        assertEquals("conf/tandem.yaml: configuration is valid\n", check.output());

        Path broken = dir.resolve("broken.yaml");
        Files.writeString(
                broken,
                Files.readString(home.resolve("conf/tandem.yaml"))
                        .replace("default_backend: web", "default_backend: webb"));
        Result refused = exec(dir, List.of(home.resolve("bin/tandem").toString(), "check", "-c", broken.toString()));
        assertEquals(1, refused.code(), refused.output());
        assertTrue(
                refused.output().contains("frontends.www.default_backend: backend 'webb' is not defined"),
                refused.output());
    }

    @Test
    void binTandemRunServesAndStopsWithExitCodeZeroOnSigterm() throws Exception {
        Path accessLog = dir.resolve("access.log");
        try (TestBackend a = TestBackend.start("a")) {
            Path config = dir.resolve("run.yaml");
            Files.writeString(config, """
                    node: it
                    admin: { listen: 127.0.0.1:0 }
                    frontends:
                      - name: www
                        bind: 127.0.0.1:0
                        default_backend: web
                        access_log: { target: %s }
                    backends:
                      - name: web
                        health_check: { type: http, path: /health }
                        servers: [{ name: a, address: %s }]
                    """.formatted(accessLog, a.hostPort()));
            try (ChildProcess p =
                    child(dir, List.of(home.resolve("bin/tandem").toString(), "run", "-c", config.toString()))) {
                MatchResult started = p.awaitLine(STARTED, Duration.ofSeconds(60));
                // bin/tandem exec'd the JVM: the PID systemd holds is the daemon's own.
                assertEquals(p.pid(), Long.parseLong(started.group(1)), p.output());
                InetSocketAddress lb = new InetSocketAddress("127.0.0.1", Integer.parseInt(started.group(2)));

                try (RawHttp http = new RawHttp(lb)) {
                    for (int i = 0; i < 3; i++) {
                        RawHttp.Response r = http.get("/from-the-tarball/" + i);
                        assertEquals(200, r.status(), r.body() + "\n" + p.output());
                        assertEquals("a", r.body().trim());
                    }
                }
                // bin/tandem ctl, with the JVM options of a short-lived command, drives the daemon.
                String admin = "127.0.0.1:"
                        + p.awaitLine(ADMIN, Duration.ofSeconds(10)).group(1);
                Result servers =
                        exec(dir, List.of(home.resolve("bin/tandem").toString(), "ctl", "--admin", admin, "servers"));
                assertEquals(0, servers.code(), servers.output());
                assertTrue(
                        servers.output().lines().anyMatch(l -> l.matches("web\\s+a\\s+.*\\s+3\\s+.*")),
                        servers.output());

                p.signal(ChildProcess.Signal.TERM);
                assertTrue(p.awaitExit(Duration.ofSeconds(60)), "bin/tandem run did not stop: " + p.output());
                assertEquals(0, p.exitCode(), p.output());
                assertTrue(
                        p.lines().stream().noneMatch(l -> l.contains("Exception") || l.contains("ERROR")), p.output());
                try (Socket s = new Socket()) {
                    org.junit.jupiter.api.Assertions.assertThrows(ConnectException.class, () -> s.connect(lb, 2000));
                }
                List<String> logged = Files.readAllLines(accessLog);
                assertEquals(3, logged.size(), String.join("\n", logged));
                assertTrue(logged.get(0).contains(" www web/a GET /from-the-tarball/0 200 "), logged.get(0));
            }
        }
    }

    @Test
    void theSystemdUnitVerifies() throws Exception {
        String unit = Files.readString(home.resolve("systemd/tandem.service"));
        for (String line : List.of(
                "Type=notify",
                "NotifyAccess=main",
                "WatchdogSec=30s",
                "ExecStart=/opt/tandem/bin/tandem run -c /etc/tandem/tandem.yaml",
                "ExecReload=/bin/kill -HUP $MAINPID",
                "Restart=on-failure",
                "RestartSec=1",
                "LimitNOFILE=1048576",
                "User=tandem",
                "Group=tandem",
                "KillSignal=SIGTERM",
                "NoNewPrivileges=true",
                "AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BIND_SERVICE",
                "CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BIND_SERVICE")) {
            assertTrue(unit.lines().anyMatch(line::equals), "the unit has " + line);
        }
        assertTrue(
                onPath("systemd-analyze"),
                "systemd-analyze is missing: ./scripts/test.sh installs it (package systemd)");
        // Verified as installed, with bin/tandem where the unit expects /opt/tandem/bin/tandem.
        Path copy = dir.resolve("tandem.service");
        Files.writeString(
                copy,
                unit.replace(
                        "/opt/tandem/bin/tandem", home.resolve("bin/tandem").toString()));
        Result verify = exec(dir, List.of("systemd-analyze", "verify", copy.toString()));
        assertEquals(0, verify.code(), verify.output());
        // An unknown key is only a warning to systemd-analyze: any word about the unit is a failure.
        assertTrue(verify.output().lines().noneMatch(l -> l.contains("tandem.service")), verify.output());
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        return path != null
                && Stream.of(path.split(File.pathSeparator)).anyMatch(d -> Files.isExecutable(Path.of(d, command)));
    }
}
