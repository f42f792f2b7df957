package org.tandemlb.admin.accesslog;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.tandemlb.admin.config.AccessLogSettings;
import org.tandemlb.admin.config.AccessLogSettings.Format;
import org.tandemlb.core.LoadBalancerException;
import org.tandemlb.core.accesslog.AccessLogEntry;
import org.tandemlb.core.config.Mode;

/** The access log without a network: formats, routing, off, reopening, and a full queue. */
class AccessLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** 2026-11-21T10:00:00.123Z */
    private static final long START = 1_795_255_200_123L;

    @TempDir
    Path dir;

    private final List<AccessLog> opened = new ArrayList<>();

    @AfterEach
    void close() {
        opened.forEach(AccessLog::close);
    }

    private AccessLog open(Map<String, AccessLogSettings> settings) {
        AccessLog log = AccessLog.open(settings);
        opened.add(log);
        return log;
    }

    private static AccessLogEntry http(String frontend, String method, String uri, int status, String termination) {
        return new AccessLogEntry(
                Mode.HTTP,
                START,
                new InetSocketAddress("10.0.0.5", 51234),
                frontend,
                "web",
                status == 503 ? null : "web1",
                method,
                uri,
                status,
                345,
                5120,
                100_000,
                400_000,
                2_100_000,
                3_012_345,
                termination,
                "HTTP/1.1",
                status == 503 ? null : "TLSv1.3",
                status == 503 ? null : "TLS_AES_128_GCM_SHA256",
                status == 200 ? "4bf92f3577b34da6a3ce929d0e0e4736" : null);
    }

    private static AccessLogEntry tcp(String frontend) {
        return new AccessLogEntry(
                Mode.TCP,
                START,
                new InetSocketAddress("2001:db8::5", 40000),
                frontend,
                "mysql",
                "db1",
                null,
                null,
                0,
                1200,
                56_000,
                0,
                250_000,
                -1,
                5_000_000_000L,
                "ok",
                null,
                null,
                null,
                null);
    }

    private static AccessLogSettings file(Path p, Format f) {
        return new AccessLogSettings(p.toString(), f);
    }

    private static List<String> lines(Path p) throws IOException {
        return Files.exists(p) ? Files.readAllLines(p, StandardCharsets.UTF_8) : List.of();
    }

    @Test
    void textLinesShowEveryFieldInTheDocumentedOrder() throws IOException {
        Path www = dir.resolve("www.log");
        AccessLog log = open(Map.of("www", file(www, Format.TEXT), "db", file(www, Format.TEXT)));

        log.ended(http("www", "GET", "/index.html", 200, "ok"));
        log.ended(http("www", "GET", "/a b\r\nforged 200", 503, "no_server"));
        log.ended(tcp("db"));

        await().atMost(Duration.ofSeconds(10)).until(() -> lines(www).size() == 3);
        assertEquals(
                List.of(
                        "2026-11-21T10:00:00.123Z 10.0.0.5:51234 www web/web1 GET /index.html 200 in=345 out=5120 "
                                + "Tw=0.100ms Tc=0.400ms Tr=2.100ms Ta=3.012ms http=1.1 tls=TLSv1.3/TLS_AES_128_GCM_SHA256 "
                                + "id=4bf92f3577b34da6a3ce929d0e0e4736 ok",
                        // The URI cannot add a field or a line: controls and spaces are percent-encoded.
                        "2026-11-21T10:00:00.123Z 10.0.0.5:51234 www web/- GET /a%20b%0D%0Aforged%20200 503 in=345 out=5120 "
                                + "Tw=0.100ms Tc=0.400ms Tr=2.100ms Ta=3.012ms http=1.1 no_server",
                        "2026-11-21T10:00:00.123Z [2001:db8:0:0:0:0:0:5]:40000 db mysql/db1 tcp in=1200 out=56000 "
                                + "Tw=0.000ms Tc=0.250ms Ta=5000.000ms ok"),
                lines(www));
        assertEquals(3, log.written());
    }

    @Test
    void jsonLinesParseWithStableFieldsAndNullsForWhatDidNotHappen() throws IOException {
        Path api = dir.resolve("api.json");
        AccessLog log = open(Map.of("api", file(api, Format.JSON)));
        AccessLogEntry bad = new AccessLogEntry(
                Mode.HTTP,
                START,
                new InetSocketAddress("10.0.0.6", 1),
                "api",
                null,
                null,
                "GET",
                "/\"quoted\"\\é\n",
                400,
                30,
                100,
                -1,
                -1,
                -1,
                1_500,
                "bad_request",
                null,
                null,
                null,
                null);

        log.ended(http("api", "POST", "/orders?id=7", 200, "ok"));
        log.ended(bad);
        log.ended(tcp("api"));

        await().atMost(Duration.ofSeconds(10)).until(() -> lines(api).size() == 3);
        List<String> raw = lines(api);
        raw.forEach(l -> assertTrue(l.chars().allMatch(c -> c >= 0x20 && c < 0x7f), "plain ASCII: " + l));
        JsonNode ok = JSON.readTree(raw.get(0));
        assertEquals(
                List.of(
                        "time",
                        "mode",
                        "client_ip",
                        "client_port",
                        "frontend",
                        "backend",
                        "server",
                        "method",
                        "uri",
                        "status",
                        "bytes_in",
                        "bytes_out",
                        "queue_ms",
                        "connect_ms",
                        "response_ms",
                        "total_ms",
                        "http_version",
                        "tls_version",
                        "tls_cipher",
                        "request_id",
                        "termination"),
                iterable(ok));
        assertEquals("2026-11-21T10:00:00.123Z", ok.get("time").asText());
        assertEquals("http", ok.get("mode").asText());
        assertEquals("10.0.0.5", ok.get("client_ip").asText());
        assertEquals(51234, ok.get("client_port").asInt());
        assertEquals("web1", ok.get("server").asText());
        assertEquals("POST", ok.get("method").asText());
        assertEquals("/orders?id=7", ok.get("uri").asText());
        assertEquals(200, ok.get("status").asInt());
        assertEquals(345, ok.get("bytes_in").asLong());
        assertEquals(5120, ok.get("bytes_out").asLong());
        assertEquals(0.1, ok.get("queue_ms").asDouble());
        assertEquals(2.1, ok.get("response_ms").asDouble());
        assertEquals(3.012, ok.get("total_ms").asDouble());
        assertEquals("ok", ok.get("termination").asText());
        assertEquals("1.1", ok.get("http_version").asText());
        assertEquals("TLSv1.3", ok.get("tls_version").asText());
        assertEquals("TLS_AES_128_GCM_SHA256", ok.get("tls_cipher").asText());
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", ok.get("request_id").asText());

        JsonNode rejected = JSON.readTree(raw.get(1));
        assertEquals("/\"quoted\"\\é\n", rejected.get("uri").asText(), "escaped and read back intact");
        assertTrue(rejected.get("backend").isNull());
        assertTrue(rejected.get("connect_ms").isNull());
        assertEquals(0.001, rejected.get("total_ms").asDouble());
        assertEquals("bad_request", rejected.get("termination").asText());
        assertTrue(rejected.get("request_id").isNull());

        JsonNode session = JSON.readTree(raw.get(2));
        assertEquals("tcp", session.get("mode").asText());
        assertEquals("2001:db8:0:0:0:0:0:5", session.get("client_ip").asText());
        assertTrue(session.get("method").isNull());
        assertTrue(session.get("status").isNull());
        assertTrue(session.get("response_ms").isNull());
        assertEquals(5000.0, session.get("total_ms").asDouble());
        assertEquals(iterable(ok), iterable(session), "the same fields for every line");
    }

    private static List<String> iterable(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void aLogTurnedOnByAReloadWritesAtOnceThoughAllWereOffAtStart() throws IOException {
        AccessLog log = open(Map.of("www", new AccessLogSettings("off", Format.TEXT)));
        log.ended(http("www", "GET", "/before", 200, "ok"));
        Path www = dir.resolve("www.log");
        try (AccessLog.Prepared p = log.prepare(Map.of("www", file(www, Format.TEXT)))) {
            p.commit();
        }
        log.ended(http("www", "GET", "/after", 200, "ok"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Files.exists(www) && lines(www).size() == 1);
        log.close();
        assertTrue(lines(www).get(0).contains(" /after "), lines(www).toString());
    }

    @Test
    void anOffFrontendWritesNothing() throws IOException {
        Path www = dir.resolve("www.log");
        AccessLog log = open(Map.of("www", file(www, Format.TEXT), "quiet", new AccessLogSettings("off", Format.JSON)));
        log.ended(http("quiet", "GET", "/secret", 200, "ok"));
        log.ended(http("www", "GET", "/public", 200, "ok"));
        log.ended(http("unknown", "GET", "/unknown", 200, "ok"));

        await().atMost(Duration.ofSeconds(10)).until(() -> lines(www).size() == 1);
        log.close(); // writes everything queued: nothing else can come
        assertEquals(1, lines(www).size());
        assertTrue(lines(www).get(0).contains(" /public "));
        assertEquals(
                List.of("www.log"),
                Files.list(dir).map(p -> p.getFileName().toString()).toList());
    }

    @Test
    void aReloadSwitchesTargetsAndReopensFilesForLogrotate() throws IOException {
        Path first = dir.resolve("first.log");
        Path second = dir.resolve("second.log");
        Path rotated = dir.resolve("first.log.1");
        AccessLog log = open(Map.of("www", file(first, Format.TEXT)));
        log.ended(http("www", "GET", "/one", 200, "ok"));

        // logrotate renames the file, then `kill -HUP`: the reload opens first.log anew.
        Files.move(first, rotated);
        try (AccessLog.Prepared p = log.prepare(Map.of("www", file(first, Format.TEXT)))) {
            p.commit();
        }
        log.ended(http("www", "GET", "/two", 200, "ok"));
        // Then the frontend moves to another file, in JSON.
        try (AccessLog.Prepared p = log.prepare(Map.of("www", file(second, Format.JSON)))) {
            p.commit();
        }
        log.ended(http("www", "GET", "/three", 200, "ok"));
        log.close();

        assertEquals(1, lines(rotated).size());
        assertTrue(lines(rotated).get(0).contains(" /one "));
        assertEquals(1, lines(first).size());
        assertTrue(lines(first).get(0).contains(" /two "));
        assertEquals(1, lines(second).size());
        assertEquals("/three", JSON.readTree(lines(second).get(0)).get("uri").asText());
    }

    @Test
    void aFileThatCannotBeOpenedFailsThePrepareAndChangesNothing() throws IOException {
        Path good = dir.resolve("good.log");
        AccessLog log = open(Map.of("www", file(good, Format.TEXT)));
        Path missing = dir.resolve("no-such-dir").resolve("www.log");

        LoadBalancerException e =
                assertThrows(LoadBalancerException.class, () -> log.prepare(Map.of("www", file(missing, Format.TEXT))));
        assertEquals(
                "cannot open access log " + missing + " of frontend www: its directory does not exist", e.getMessage());
        assertThrows(LoadBalancerException.class, () -> AccessLog.open(Map.of("www", file(missing, Format.TEXT))));

        log.ended(http("www", "GET", "/still", 200, "ok"));
        await().atMost(Duration.ofSeconds(10)).until(() -> lines(good).size() == 1);
    }

    @Test
    void aFrontendRemovedByAReloadKeepsItsLogForItsLastConnections() throws IOException {
        Path old = dir.resolve("old.log");
        Path www = dir.resolve("www.log");
        AccessLog log = open(Map.of("old", file(old, Format.TEXT), "www", file(www, Format.TEXT)));
        try (AccessLog.Prepared p = log.prepare(Map.of("www", file(www, Format.TEXT)))) {
            p.commit();
        }
        log.ended(http("old", "GET", "/finishing", 200, "ok"));
        log.close();

        assertEquals(1, lines(old).size());
    }

    /** An output whose writes each wait for a permit from the test: a hung disk, on demand. */
    private static final class StalledOutput extends OutputStream {
        final Semaphore permits = new Semaphore(0);
        private final ByteArrayOutputStream written = new ByteArrayOutputStream();

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            permits.acquireUninterruptibly();
            synchronized (this) {
                written.write(b, off, len);
            }
        }

        synchronized long lines() {
            return written.toString(StandardCharsets.UTF_8).lines().count();
        }

        boolean stuck() {
            return permits.hasQueuedThreads();
        }
    }

    @Test
    void aFullQueueDropsAndCountsInsteadOfBlockingTheEventLoop() {
        StalledOutput out = new StalledOutput();
        AccessLog.Outputs outputs = new AccessLog.Outputs() {
            @Override
            public OutputStream append(Path file) {
                return out;
            }

            @Override
            public OutputStream stdout() {
                throw new AssertionError("not used");
            }
        };
        AtomicLong now = new AtomicLong();
        Logger logger = (Logger) LoggerFactory.getLogger(AccessLog.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            AccessLog log =
                    AccessLog.open(Map.of("www", file(dir.resolve("x.log"), Format.TEXT)), outputs, 100, now::get);
            opened.add(log);
            log.ended(http("www", "GET", "/first", 200, "ok"));
            await().atMost(Duration.ofSeconds(10)).until(out::stuck);

            // 1000 entries while the writer cannot write: the caller never waits.
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                for (int i = 0; i < 1000; i++) {
                    log.ended(http("www", "GET", "/" + i, 200, "ok"));
                }
            });
            assertEquals(900, log.dropped(), "100 queued, the rest dropped");

            out.permits.release(2); // the stuck write, then the 100 queued lines in one write
            await().atMost(Duration.ofSeconds(10)).until(() -> out.lines() == 101);
            await().atMost(Duration.ofSeconds(10)).until(() -> drops(appender).size() == 1);
            assertTrue(
                    drops(appender).get(0).contains("900 line(s) dropped"),
                    drops(appender).get(0));

            // Stuck again, 900 more dropped within the 10 s: counted, not warned about yet.
            log.ended(http("www", "GET", "/again", 200, "ok"));
            await().atMost(Duration.ofSeconds(10)).until(out::stuck);
            for (int i = 0; i < 1000; i++) {
                log.ended(http("www", "GET", "/" + i, 200, "ok"));
            }
            assertEquals(1800, log.dropped());
            out.permits.release(2);
            await().atMost(Duration.ofSeconds(10)).until(() -> log.written() == 202);
            assertEquals(1, drops(appender).size(), "one warning per 10 s at most");

            // 10 s later, the next batch reports what was dropped since.
            now.addAndGet(AccessLog.WARN_INTERVAL_NANOS);
            out.permits.release(1);
            log.ended(http("www", "GET", "/later", 200, "ok"));
            await().atMost(Duration.ofSeconds(10)).until(() -> drops(appender).size() == 2);
            assertTrue(
                    drops(appender).get(1).contains("900 line(s) dropped since the last warning (1800 in all)"),
                    drops(appender).get(1));
            assertEquals(203, out.lines());
        } finally {
            logger.detachAppender(appender);
            out.permits.release(1000);
        }
    }

    private static List<String> drops(ListAppender<ILoggingEvent> appender) {
        return appender.list.stream()
                .filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("dropped"))
                .toList();
    }
}
