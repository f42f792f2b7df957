package org.tandemlb.admin.accesslog;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.admin.api.ReloadResult;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.admin.daemon.Daemon;
import org.tandemlb.core.backend.AdminState;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;

/** Access logs written by a running daemon for real requests and sessions, and following reloads. */
class AccessLogDaemonTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The text layout of docs/access-log.md, HTTP lines. */
    private static final Pattern HTTP_LINE = Pattern.compile(
            "(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z) (127\\.0\\.0\\.1:\\d+) (\\S+) (\\S+)/(\\S+) (\\S+) (\\S+) "
                    + "(\\d{3}|-) in=(\\d+) out=(\\d+) Tw=(\\S+) Tc=(\\S+) Tr=(\\S+) Ta=(\\d+\\.\\d{3})ms "
                    + "http=(?:1\\.1|1\\.0|-) (\\S+)");

    private static final Pattern TCP_LINE = Pattern.compile(
            "(\\S+Z) (127\\.0\\.0\\.1:\\d+) (\\S+) (\\S+)/(\\S+) tcp in=(\\d+) out=(\\d+) Tw=(\\S+) Tc=(\\S+) "
                    + "Ta=(\\d+\\.\\d{3})ms (\\S+)");

    @TempDir
    Path dir;

    private TestBackend a;
    private Daemon daemon;

    @BeforeEach
    void startBackend() {
        a = TestBackend.start("a");
    }

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.stop();
        }
        a.close();
    }

    private String config(String wwwLog, String wwwFormat) {
        return """
                node: test
                frontends:
                  - name: www
                    bind: 127.0.0.1:0
                    default_backend: web
                    access_log: { target: %s, format: %s }
                  - name: api
                    bind: 127.0.0.1:0
                    default_backend: web
                    access_log: { target: %s, format: json }
                  - name: db
                    mode: tcp
                    bind: 127.0.0.1:0
                    default_backend: raw
                    access_log: { target: %s }
                  - name: quiet
                    bind: 127.0.0.1:0
                    default_backend: web
                    access_log: { target: off }
                backends:
                  - name: web
                    servers: [{ name: a, address: %s }]
                  - name: raw
                    mode: tcp
                    servers: [{ name: a, address: %s }]
                """.formatted(
                        wwwLog, wwwFormat, dir.resolve("api.json"), dir.resolve("db.log"), a.hostPort(), a.hostPort());
    }

    private Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("tandem.yaml"), yaml, StandardCharsets.UTF_8);
    }

    private InetSocketAddress address(String frontend) {
        return daemon.loadBalancer().address(frontend);
    }

    private static List<String> lines(Path p) throws IOException {
        return Files.exists(p) ? Files.readAllLines(p, StandardCharsets.UTF_8) : List.of();
    }

    private static List<String> awaitLines(Path p, int n) throws IOException {
        await().atMost(Duration.ofSeconds(10)).until(() -> lines(p).size() >= n);
        List<String> lines = lines(p);
        assertEquals(n, lines.size(), String.join("\n", lines));
        return lines;
    }

    private static Matcher http(String line) {
        Matcher m = HTTP_LINE.matcher(line);
        assertTrue(m.matches(), "an HTTP line in the documented layout: " + line);
        return m;
    }

    @Test
    void requestsAndSessionsAreLoggedInTheirFrontendsFormat() throws Exception {
        Path www = dir.resolve("www.log");
        Path file = write(config(www.toString(), "text"));
        daemon = new Daemon(Map.of(), 2);
        daemon.start(ConfigLoader.load(file, Map.of()));

        try (RawHttp client = new RawHttp(address("www"))) {
            assertEquals(200, client.get("/index.html?x=1").status());
            daemon.loadBalancer().backend("web").server("a").setAdminState(AdminState.MAINT);
            assertEquals(503, client.get("/down").status());
        }
        daemon.loadBalancer().backend("web").server("a").setAdminState(AdminState.READY);
        try (RawHttp client = new RawHttp(address("www"))) {
            // Two Host headers: ambiguous, refused before any backend is chosen.
            client.send("GET /twice HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
            assertEquals(400, client.read().status());
        }
        try (RawHttp client = new RawHttp(address("api"))) {
            assertEquals(200, client.get("/api/orders").status());
        }
        try (RawHttp client = new RawHttp(address("quiet"))) {
            assertEquals(200, client.get("/quiet").status());
        }
        int clientPort;
        try (Socket s = new Socket()) {
            s.connect(address("db"));
            clientPort = s.getLocalPort();
            OutputStream out = s.getOutputStream();
            out.write("GET /through-tcp HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            assertTrue(new String(in.readAllBytes(), StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200"));
        }

        List<String> text = awaitLines(www, 3);
        Matcher ok = http(text.get(0));
        assertEquals("www", ok.group(3));
        assertEquals("web", ok.group(4));
        assertEquals("a", ok.group(5));
        assertEquals("GET", ok.group(6));
        assertEquals("/index.html?x=1", ok.group(7));
        assertEquals("200", ok.group(8));
        assertTrue(Long.parseLong(ok.group(9)) > 0, "bytes in");
        assertTrue(Long.parseLong(ok.group(10)) > "HTTP/1.1 200 OK\r\n\r\na\n".length(), "bytes out: " + text.get(0));
        assertTrue(ok.group(13).endsWith("ms"), "a response time: " + text.get(0));
        assertEquals("ok", ok.group(15));

        Matcher down = http(text.get(1));
        assertEquals("503", down.group(8));
        assertEquals("-", down.group(5), "no server");
        assertEquals("-", down.group(13), "no response time");
        assertEquals("no_server", down.group(15));

        Matcher bad = http(text.get(2));
        assertEquals("400", bad.group(8));
        assertEquals("bad_request", bad.group(15));

        JsonNode api = JSON.readTree(awaitLines(dir.resolve("api.json"), 1).get(0));
        assertEquals("api", api.get("frontend").asText());
        assertEquals("/api/orders", api.get("uri").asText());
        assertEquals(200, api.get("status").asInt());
        assertEquals("a", api.get("server").asText());
        assertTrue(api.get("total_ms").asDouble() > 0);

        Matcher tcp = TCP_LINE.matcher(awaitLines(dir.resolve("db.log"), 1).get(0));
        assertTrue(tcp.matches(), lines(dir.resolve("db.log")).toString());
        assertEquals("127.0.0.1:" + clientPort, tcp.group(2));
        assertEquals("db", tcp.group(3));
        assertEquals("raw/a", tcp.group(4) + "/" + tcp.group(5));
        assertTrue(Long.parseLong(tcp.group(6)) > 50 && Long.parseLong(tcp.group(7)) > 50, "bytes both ways");
        assertEquals("ok", tcp.group(11));

        // The frontend with access_log off left no line anywhere.
        daemon.stop();
        for (Path p : List.of(www, dir.resolve("api.json"), dir.resolve("db.log"))) {
            assertTrue(lines(p).stream().noneMatch(l -> l.contains("/quiet")), p.toString());
        }
        assertEquals(
                List.of("api.json", "db.log", "tandem.yaml", "www.log"),
                Files.list(dir).map(p -> p.getFileName().toString()).sorted().toList());
    }

    @Test
    void aReloadMovesAFrontendsLogToAnotherFileAndFormat() throws Exception {
        Path first = dir.resolve("first.log");
        Path second = dir.resolve("second.json");
        Path file = write(config(first.toString(), "text"));
        daemon = new Daemon(Map.of(), 2);
        daemon.start(ConfigLoader.load(file, Map.of()));
        InetSocketAddress www = address("www");

        List<Integer> before = new ArrayList<>();
        try (RawHttp client = new RawHttp(www)) {
            for (int i = 0; i < 3; i++) {
                before.add(client.get("/before/" + i).status());
            }
            assertEquals(List.of(200, 200, 200), before);

            write(config(second.toString(), "json"));
            ReloadResult result = daemon.reload(file);
            assertTrue(result.applied(), result.errors().toString());

            // The same keep-alive connection goes on, now logged to the new file.
            assertEquals(200, client.get("/after").status());
        }

        assertEquals(
                3,
                awaitLines(first, 3).stream()
                        .filter(l -> l.contains(" /before/"))
                        .count());
        JsonNode after = JSON.readTree(awaitLines(second, 1).get(0));
        assertEquals("/after", after.get("uri").asText());
        daemon.stop();
        assertEquals(3, lines(first).size(), "nothing more in the old file");
    }

    @Test
    void aReloadWhoseLogCannotBeOpenedIsRefusedAndChangesNothing() throws Exception {
        Path www = dir.resolve("www.log");
        Path file = write(config(www.toString(), "text"));
        daemon = new Daemon(Map.of(), 2);
        daemon.start(ConfigLoader.load(file, Map.of()));

        Path missing = dir.resolve("missing").resolve("www.log");
        write(config(missing.toString(), "text")
                .replace(
                        "- name: quiet",
                        "- name: extra\n    bind: 127.0.0.1:0\n" + "    default_backend: web\n  - name: quiet"));
        ReloadResult result = daemon.reload(file);

        assertFalse(result.applied());
        assertEquals(
                List.of("cannot open access log " + missing + " of frontend www: its directory does not exist"),
                result.errors());
        assertEquals(null, daemon.loadBalancer().frontend("extra"), "the new frontend was not added");
        try (RawHttp client = new RawHttp(address("www"))) {
            assertEquals(200, client.get("/still-logged").status());
        }
        assertTrue(awaitLines(www, 1).get(0).contains(" /still-logged "));
    }
}
