package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.Http2Config;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.ExternalProcesses;
import org.tandemlb.core.testsupport.Proxies;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.testsupport.TestBackends;

/** {@code redirect_https} with curl, and {@code hsts} on the response path (built directly, without TLS here). */
class HttpsRedirectTest {
    @RegisterExtension
    final TestBackends backends = new TestBackends();

    private static String curl(LoadBalancer lb, String... args) {
        return curlWriting("%{http_code} %{redirect_url}", lb, args);
    }

    /** curl's {@code -w} output for {@code format}. */
    private static String curlWriting(String format, LoadBalancer lb, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("curl", "-sS", "-o", "/dev/null", "-w", format));
        command.addAll(List.of(args));
        command.add("http://127.0.0.1:" + lb.address("fe").getPort() + "/a/b.html?x=1&y=%20");
        ExternalProcesses.CommandResult r = ExternalProcesses.run(Duration.ofSeconds(20), command);
        assertTrue(r.ok(), r.toString());
        return r.stdout();
    }

    @Test
    void curlGetsA308ToTheSameHostAndPathOverHttpsWithoutAServerBeingAsked() {
        TestBackend a = backends.start("a");
        try (LoadBalancer lb = Proxies.start(
                Mode.HTTP,
                be -> be.server(ServerConfig.builder("a", a.hostPort()).build()),
                f -> f.redirectHttps(true),
                1)) {
            assertEquals(
                    "308 https://www.example.com/a/b.html?x=1&y=%20", curl(lb, "-H", "Host: www.example.com:8080"));
            assertEquals(
                    "308 https://www.example.com/a/b.html?x=1&y=%20",
                    curl(lb, "-X", "POST", "-d", "body", "-H", "Host: www.example.com"), "any method, and a body");
            assertEquals(0, a.requests(), "no server was contacted");
        }
    }

    @Test
    void anH2cFrontendRedirectsHttp2StreamsToo() {
        TestBackend a = backends.start("a");
        try (LoadBalancer lb = Proxies.start(
                Mode.HTTP,
                be -> be.server(ServerConfig.builder("a", a.hostPort()).build()),
                f -> f.redirectHttps(true).http2(Http2Config.DEFAULTS.withH2c(true)),
                1)) {
            assertEquals(
                    "2 308 https://www.example.com/a/b.html?x=1&y=%20",
                    curlWriting(
                            "%{http_version} %{http_code} %{redirect_url}",
                            lb, "--http2-prior-knowledge", "-H", "Host: www.example.com"),
                    "an HTTP/2 stream (its :authority)");
            assertEquals(
                    "308 https://www.example.com/a/b.html?x=1&y=%20",
                    curl(lb, "--http1.1", "-H", "Host: www.example.com"), "and HTTP/1.1 on the same frontend");
            assertEquals(0, a.requests(), "no server was contacted");
        }
    }

    @Test
    void theConfiguredPortIsWrittenAndAMissingHostIsABadRequest() throws Exception {
        TestBackend a = backends.start("a");
        try (LoadBalancer lb = Proxies.start(
                Mode.HTTP,
                be -> be.server(ServerConfig.builder("a", a.hostPort()).build()),
                f -> f.redirectHttps(true).redirectHttpsPort(8443),
                1)) {
            assertEquals(
                    "308 https://www.example.com:8443/a/b.html?x=1&y=%20", curl(lb, "-H", "Host: www.example.com"));
            try (RawHttp c = new RawHttp(lb.address("fe"))) {
                assertEquals(
                        400, c.send("GET / HTTP/1.0\r\n\r\n").read().status(), "HTTP/1.0 without Host: nowhere to go");
            }
            assertEquals(0, a.requests());
        }
    }

    @Test
    void hstsIsAddedToServerResponses() throws Exception {
        TestBackend a = backends.start("a");
        try (LoadBalancer with = Proxies.start(
                        Mode.HTTP,
                        be -> be.server(ServerConfig.builder("a", a.hostPort()).build()),
                        f -> f.hsts(Duration.ofDays(365)),
                        1);
                LoadBalancer without = Proxies.start(
                        Mode.HTTP,
                        be -> be.server(ServerConfig.builder("a", a.hostPort()).build()),
                        f -> f,
                        1);
                RawHttp c = new RawHttp(with.address("fe"));
                RawHttp d = new RawHttp(without.address("fe"))) {
            RawHttp.Response r = c.get("/");
            assertEquals(200, r.status());
            assertEquals("max-age=31536000", r.header("Strict-Transport-Security"));
            assertEquals("max-age=31536000", c.get("/status?code=404").header("Strict-Transport-Security"));
            assertNull(d.get("/").header("Strict-Transport-Security"));
        }
    }

    @Test
    void locationsAreBuiltOnlyFromAValidHost() {
        assertEquals("https://[2001:db8::1]/p?q", location("/p?q", "[2001:db8::1]:80"));
        assertEquals("https://example.com/", location("*", "example.com"), "OPTIONS *: the root");
        assertEquals(
                "https://other.example/x?y",
                location("http://other.example:81/x?y", "example.com"),
                "the absolute-form target's host wins (RFC 9112 §3.2.2)");
        assertEquals("https://other.example/", location("http://other.example", "example.com"));
        assertNull(location("/", "evil.example/path"));
        assertNull(location("/", "a b"));
        assertNull(location("/", null));
    }

    private static String location(String uri, String host) {
        DefaultHttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        if (host != null) {
            req.headers().set("Host", host);
        }
        FullHttpResponse r = HttpsRedirect.of(req, 0);
        if (r == null) {
            return null;
        }
        assertEquals(308, r.status().code());
        r.release();
        return r.headers().get("Location");
    }
}
