package org.tandemlb.admin.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.tandemlb.admin.TandemCommand;
import org.tandemlb.core.testsupport.ChildProcess;
import org.tandemlb.core.testsupport.RawHttp;
import picocli.CommandLine;

/** {@code tandem demo}: two demo backends behind a round-robin frontend. */
class DemoTest {

    private static List<String> bodies(InetSocketAddress lb, int n) throws IOException {
        List<String> out = new ArrayList<>();
        try (RawHttp http = new RawHttp(lb)) {
            for (int i = 0; i < n; i++) {
                RawHttp.Response r = http.get("/");
                assertEquals(200, r.status(), r.body());
                assertEquals("text/plain; charset=utf-8", r.header("content-type"));
                out.add(r.body());
            }
        }
        return out;
    }

    @Test
    void tenRequestsAlternateBetweenTheTwoDemoBackends() throws IOException {
        try (Demo demo = Demo.start("127.0.0.1", 0)) {
            DemoBackend one = demo.backends().get(0);
            DemoBackend two = demo.backends().get(1);
            assertEquals("Hello from demo backend 1 (" + one.hostPort() + ")\n", one.greeting());

            List<String> bodies = bodies(demo.address(), 10);

            Map<String, Integer> counts = new HashMap<>();
            bodies.forEach(b -> counts.merge(b, 1, Integer::sum));
            assertEquals(Map.of(one.greeting(), 5, two.greeting(), 5), counts);
            for (int i = 1; i < bodies.size(); i++) {
                assertNotEquals(bodies.get(i - 1), bodies.get(i), bodies.toString());
            }
        }
    }

    @Test
    void theDemoServesHttpsWithASelfSignedCertificateMadeAtStart() throws Exception {
        try (Demo demo = Demo.start("127.0.0.1", 0, 0, 0)) {
            String url = "https://127.0.0.1:" + demo.httpsAddress().getPort() + "/";
            try (ChildProcess curl = ChildProcess.command(
                            "curl", "-sS", "-k", "--http1.1", "-w", "%{http_code} %{http_version}", url)
                    .start()) {
                assertTrue(curl.awaitExit(java.time.Duration.ofSeconds(20)), curl.output());
                assertEquals(List.of(demo.backends().get(0).greeting().trim(), "200 1.1"), curl.lines());
            }
            // Without -k the certificate is not trusted: it is self-signed.
            try (ChildProcess curl =
                    ChildProcess.command("curl", "-sS", "--http1.1", url).start()) {
                assertTrue(curl.awaitExit(java.time.Duration.ofSeconds(20)));
                assertNotEquals(0, curl.exitCode());
            }
        }
    }

    @Test
    void aDemoBackendAnswersItsHealthCheckAndKeepsConnectionsOpen() throws IOException {
        try (Demo demo = Demo.start("127.0.0.1", 0);
                RawHttp http = new RawHttp(demo.backends().get(1).address())) {
            RawHttp.Response health = http.get("/health");
            assertEquals(200, health.status());
            assertEquals("ok", health.body());

            RawHttp.Response other = http.get("/any/path?x=1"); // same connection
            assertEquals(demo.backends().get(1).greeting(), other.body());
            assertEquals(2, demo.backends().get(1).requests());
        }
    }

    @Test
    void headGetsTheHeadersOnlyAndConnectionCloseIsHonoured() throws IOException {
        try (Demo demo = Demo.start("127.0.0.1", 0);
                Socket socket = new Socket(
                        demo.backends().get(0).address().getAddress(),
                        demo.backends().get(0).address().getPort())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream()
                    .write("HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));

            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII); // to EOF

            assertTrue(response.startsWith("HTTP/1.1 200 OK\r\n"), response);
            assertTrue(
                    response.toLowerCase(java.util.Locale.ROOT)
                            .contains("content-length: "
                                    + demo.backends().get(0).greeting().length() + "\r\n"),
                    response);
            assertTrue(response.endsWith("\r\n\r\n"), "no body after the head: " + response);
        }
    }

    @Test
    void closeStopsTheLoadBalancerAndTheBackends() throws IOException {
        Demo demo = Demo.start("127.0.0.1", 0);
        InetSocketAddress lb = demo.address();
        InetSocketAddress backend = demo.backends().get(0).address();
        bodies(lb, 2);

        demo.close();
        demo.close(); // the shutdown hook does it again after a signal

        assertThrows(ConnectException.class, () -> new Socket(lb.getAddress(), lb.getPort()).close());
        assertThrows(ConnectException.class, () -> new Socket(backend.getAddress(), backend.getPort()).close());
    }

    @Test
    void aTakenPortExitsOneWithOneLineThatSuggestsAnother() {
        try (Demo first = Demo.start("127.0.0.1", 0)) {
            int taken = first.address().getPort();
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cl = TandemCommand.commandLine();
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));

            int exit = cl.execute("demo", "--port", Integer.toString(taken));

            assertEquals(1, exit);
            assertEquals(1, err.toString().lines().count(), err.toString());
            assertTrue(err.toString().contains("--port"), err.toString());
            assertEquals("", out.toString());
        }
    }

    private static final Pattern URL = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)");

    /** The demo in its own JVM, as a user runs it: what it prints, the traffic, and SIGTERM → exit 0. */
    @Test
    void theDemoProcessPrintsWhereToLookAndExitsZeroOnSigterm() throws Exception {
        try (ChildProcess p = ChildProcess.java(TandemCommand.class)
                .args("demo", "--port", "0")
                .start()) {
            int port = Integer.parseInt(p.awaitLine(URL, Duration.ofSeconds(60)).group(1));
            InetSocketAddress lb = new InetSocketAddress("127.0.0.1", port);
            p.awaitLine(Pattern.compile(Pattern.quote("curl -s 127.0.0.1:" + port)), Duration.ofSeconds(10));
            assertEquals(2, bodies(lb, 10).stream().distinct().count());

            p.signal(ChildProcess.Signal.TERM);
            assertTrue(p.awaitExit(Duration.ofSeconds(30)), "the demo did not stop: " + p.output());
            assertEquals(0, p.exitCode(), p.output());
            assertTrue(p.lines().stream().noneMatch(l -> l.contains("Exception")), p.output());
        }
    }
}
