package org.tandemlb.admin.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.admin.TandemCommand;
import org.tandemlb.admin.demo.Demo;
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
            String yaml = AdminApiTest.config("", a).replace("listen: 127.0.0.1:0", "listen: 127.0.0.1:" + taken.getLocalPort());
            Path file = Files.writeString(dir.resolve("taken.yaml"), yaml);
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cl = TandemCommand.commandLine();
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));

            int exit = cl.execute("run", "-c", file.toString());

            assertEquals(1, exit);
            assertEquals(1, err.toString().lines().count(), err.toString());
            assertTrue(err.toString().startsWith("tandem: admin.listen 127.0.0.1:" + taken.getLocalPort() + ": cannot listen"),
                    err.toString());
        }
    }

    @Test
    void theDemoServesTheApiAndTheStatusPage() throws IOException {
        try (Demo demo = Demo.start("127.0.0.1", 0, 0)) {
            AdminClient admin = new AdminClient(demo.adminAddress().orElseThrow());
            await().atMost(Duration.ofSeconds(10)).until(() -> admin.server("demo", "demo1") != null
                    && admin.server("demo", "demo2").get("health").asText().equals("up"));
            assertEquals(200, admin.get("/").status());

            // The demo has no token: the drain needs none.
            AdminClient.Answer drained = admin.post("/api/v1/backends/demo/servers/demo1", "{\"state\": \"drain\"}", null);

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

    /** {@code tandem demo} in its own JVM: it prints the status page's URL and a curl line that works. */
    @Test
    void theDemoPrintsTheStatusPageAndACommandThatDrains() throws Exception {
        List<String> output = new CopyOnWriteArrayList<>();
        Process p = demo(output, "--port", "0", "--admin-port", "0");
        try {
            String admin = await().atMost(Duration.ofSeconds(60)).until(
                    () -> output.stream().map(STATUS_PAGE::matcher).filter(Matcher::find).map(m -> m.group(1)).findFirst(),
                    Optional::isPresent).orElseThrow();
            await().atMost(Duration.ofSeconds(10)).until(() -> output.contains("Ctrl-C stops it."));
            String curl = output.stream().filter(l -> l.trim().startsWith("curl -s -X POST")).findFirst().orElseThrow();
            assertTrue(curl.contains(admin + "/api/v1/backends/demo/servers/demo1"), curl);

            ExternalProcesses.CommandResult ran = ExternalProcesses.run(Duration.ofSeconds(20), "sh", "-c", curl.trim());

            assertEquals(0, ran.exitCode(), ran.stderr());
            assertTrue(ran.stdout().contains("\"state\":\"drain\""), ran.stdout());
            String[] hostPort = admin.split(":");
            AdminClient client = new AdminClient(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])));
            assertEquals("drain", client.server("demo", "demo1").get("state").asText());
        } finally {
            ExternalProcesses.stop(p, Duration.ofSeconds(30));
        }
        assertEquals(0, p.exitValue(), String.join("\n", output));
    }

    @Test
    void theDemoSaysWhenItsAdminPortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            List<String> output = new CopyOnWriteArrayList<>();
            Process p = demo(output, "--port", "0", "--admin-port", Integer.toString(port));
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> output.contains("Ctrl-C stops it."));
                assertTrue(output.contains("No status page: 127.0.0.1:" + port + " is in use; tandem demo --admin-port "
                        + (port + 1) + " picks another port."), String.join("\n", output));
                assertTrue(output.stream().noneMatch(l -> l.startsWith("Status page:")), String.join("\n", output));
                assertTrue(output.stream().anyMatch(l -> l.contains("for i in $(seq 10); do curl -s 127.0.0.1:")));
            } finally {
                ExternalProcesses.stop(p, Duration.ofSeconds(30));
            }
            assertEquals(0, p.exitValue(), String.join("\n", output));
        }
    }

    /** Starts {@code tandem demo ARGS} in a new JVM; its output lines go to {@code output}. */
    private static Process demo(List<String> output, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), TandemCommand.class.getName(), "demo"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    output.add(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "tandem-demo-output");
        reader.setDaemon(true);
        reader.start();
        return p;
    }
}
