package org.tandemlb.admin.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.admin.TandemCommand;
import org.tandemlb.admin.demo.Demo;
import org.tandemlb.core.testsupport.ChildProcess;
import org.tandemlb.core.testsupport.ExternalProcesses;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;
import picocli.CommandLine;

/** The admin server as {@code tandem run} and {@code tandem demo} start it. */
class AdminCommandsTest {

    @TempDir
    Path dir;

    private static Map<String, Integer> traffic(InetSocketAddress lb, int n) throws IOException {
        Map<String, Integer> counts = new HashMap<>();
        try (RawHttp http = new RawHttp(lb)) {
            for (int i = 0; i < n; i++) {
                RawHttp.Response r = http.get("/");
                assertEquals(200, r.status(), r.body());
                counts.merge(r.body(), 1, Integer::sum);
            }
        }
        return counts;
    }

    @Test
    void runExitsOneWithOneLineWhenTheAdminAddressIsTaken() throws IOException {
        try (TestBackend a = TestBackend.start("a");
                ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            String yaml = AdminApiTest.config("", a)
                    .replace("listen: 127.0.0.1:0", "listen: 127.0.0.1:" + taken.getLocalPort());
            Path file = Files.writeString(dir.resolve("taken.yaml"), yaml);
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cl = TandemCommand.commandLine();
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));

            int exit = cl.execute("run", "-c", file.toString());

            assertEquals(1, exit);
            assertEquals(1, err.toString().lines().count(), err.toString());
            assertTrue(
                    err.toString()
                            .startsWith("tandem: admin.listen 127.0.0.1:" + taken.getLocalPort() + ": cannot listen"),
                    err.toString());
        }
    }

    @Test
    void theDemoServesTheApiAndTheStatusPage() throws IOException {
        try (Demo demo = Demo.start("127.0.0.1", 0, 0)) {
            AdminClient admin = new AdminClient(demo.adminAddress().orElseThrow());
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> admin.server("demo", "demo1") != null
                            && admin.server("demo", "demo2")
                                    .get("health")
                                    .asText()
                                    .equals("up"));
            assertEquals(200, admin.get("/").status());

            // The demo has no token: the drain needs none.
            AdminClient.Answer drained =
                    admin.post("/api/v1/backends/demo/servers/demo1", "{\"state\": \"drain\"}", null);

            assertEquals(200, drained.status(), drained.body());
            assertEquals(Map.of(demo.backends().get(1).greeting(), 4), traffic(demo.address(), 4));
        }
    }

    @Test
    void aDemoWhoseAdminPortIsTakenRunsWithoutIt() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
                Demo demo = Demo.start("127.0.0.1", 0, taken.getLocalPort())) {
            assertTrue(demo.adminAddress().isEmpty());
            assertEquals(2, traffic(demo.address(), 4).size());
        }
    }

    private static final Pattern STATUS_PAGE = Pattern.compile("^Status page: http://(127\\.0\\.0\\.1:\\d+)/");
    private static final Pattern STOPS = Pattern.compile("^Ctrl-C stops it\\.$");

    /** {@code tandem demo} in its own JVM: it prints the status page's URL and a curl line that works. */
    @Test
    void theDemoPrintsTheStatusPageAndACommandThatDrains() throws Exception {
        try (ChildProcess p = demo("--port", "0", "--admin-port", "0")) {
            String admin = p.awaitLine(STATUS_PAGE, Duration.ofSeconds(60)).group(1);
            p.awaitLine(STOPS, Duration.ofSeconds(10));
            String curl = p.lines().stream()
                    .filter(l -> l.trim().startsWith("curl -s -X POST"))
                    .findFirst()
                    .orElseThrow();
            assertTrue(curl.contains(admin + "/api/v1/backends/demo/servers/demo1"), curl);

            ExternalProcesses.CommandResult ran =
                    ExternalProcesses.run(Duration.ofSeconds(20), "sh", "-c", curl.trim());

            assertEquals(0, ran.exitCode(), ran.stderr());
            assertTrue(ran.stdout().contains("\"state\":\"drain\""), ran.stdout());
            String[] hostPort = admin.split(":");
            AdminClient client = new AdminClient(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])));
            assertEquals("drain", client.server("demo", "demo1").get("state").asText());
            assertEquals(0, p.stop(Duration.ofSeconds(30)), p.output());
        }
    }

    @Test
    void theDemoSaysWhenItsAdminPortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            try (ChildProcess p = demo("--port", "0", "--admin-port", Integer.toString(port))) {
                p.awaitLine(STOPS, Duration.ofSeconds(60));
                List<String> output = p.lines();
                assertTrue(
                        output.contains("No status page: 127.0.0.1:" + port + " is in use; tandem demo --admin-port "
                                + (port + 1) + " picks another port."),
                        String.join("\n", output));
                assertTrue(output.stream().noneMatch(l -> l.startsWith("Status page:")), String.join("\n", output));
                assertTrue(output.stream().anyMatch(l -> l.contains("for i in $(seq 10); do curl -s 127.0.0.1:")));
                assertEquals(0, p.stop(Duration.ofSeconds(30)), p.output());
            }
        }
    }

    /** Starts {@code tandem demo ARGS} in a new JVM. */
    private static ChildProcess demo(String... args) throws IOException {
        return ChildProcess.java(TandemCommand.class).args("demo").args(args).start();
    }
}
