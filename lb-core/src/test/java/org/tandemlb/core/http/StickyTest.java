package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.PersistenceConfig;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.history.EventLog;
import org.tandemlb.core.testsupport.MovableClock;

/** The cookie edits of each persistence mode, on requests and responses. */
class StickyTest {
    private static Backend backend(PersistenceConfig p) {
        return new Backend(
                BackendConfig.builder("be", Mode.HTTP)
                        .server(ServerConfig.builder("web1", "127.0.0.1:8080").build())
                        .persistence(p)
                        .build(),
                System::nanoTime);
    }

    private static Backend backend(PersistenceConfig p, MovableClock clock) {
        return new Backend(
                BackendConfig.builder("be", Mode.HTTP)
                        .server(ServerConfig.builder("web1", "127.0.0.1:8080").build())
                        .persistence(p)
                        .build(),
                System::nanoTime,
                null,
                new EventLog(clock));
    }

    /** The {@code Set-Cookie} {@code s} puts on a 200 from {@code server}, or null. */
    private static String setCookie(Sticky s, Server server) {
        HttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        s.response(resp, server, false);
        return resp.headers().get(HttpHeaderNames.SET_COOKIE);
    }

    private static HttpRequest request(String... cookies) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        for (String c : cookies) {
            r.headers().add(HttpHeaderNames.COOKIE, c);
        }
        return r;
    }

    @Test
    void theCookieValueIsAStableHashOfTheServerName() {
        assertEquals(Server.cookieValue("web1"), Server.cookieValue("web1"));
        assertEquals(12, Server.cookieValue("web1").length());
        // printf web1 | sha256sum: the first 12 hex digits
        assertEquals("659a7fb2af47", Server.cookieValue("web1"), "never changes between versions");
    }

    @Test
    void insertTakesItsCookieOutOfTheRequestAndSetsItOnceWithItsAttributes() {
        Backend b = backend(PersistenceConfig.insert("SRV"));
        Server web1 = b.server("web1");
        HttpRequest req = request("a=1; SRV=" + web1.cookie() + "; b=\"two\"", "c=3");
        Sticky s = Sticky.of(b, req);
        assertEquals(web1.cookie(), s.requested());
        assertEquals(List.of("a=1; b=\"two\"", "c=3"), req.headers().getAll(HttpHeaderNames.COOKIE));

        HttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        s.response(resp, web1, true);
        assertNull(resp.headers().get(HttpHeaderNames.SET_COOKIE), "the client has this server's cookie already");

        Sticky fresh = Sticky.of(b, request("SRV=0123456789ab"));
        HttpResponse first = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        first.headers().set(HttpHeaderNames.CACHE_CONTROL, "public, max-age=60");
        fresh.response(first, web1, true);
        assertEquals(
                "SRV=" + web1.cookie() + "; Path=/; HttpOnly; Secure",
                first.headers().get(HttpHeaderNames.SET_COOKIE));
        assertEquals("private", first.headers().get(HttpHeaderNames.CACHE_CONTROL), "nocache");

        HttpResponse clear = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        clear.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        Sticky.of(b, request()).response(clear, web1, false);
        assertEquals(
                "SRV=" + web1.cookie() + "; Path=/; HttpOnly", clear.headers().get(HttpHeaderNames.SET_COOKIE));
        assertEquals("no-store", clear.headers().get(HttpHeaderNames.CACHE_CONTROL));
    }

    @Test
    void prefixRidesOnTheApplicationsCookie() {
        Backend b = backend(new PersistenceConfig("JSESSIONID", PersistenceConfig.Mode.PREFIX, false, false, null));
        Server web1 = b.server("web1");
        HttpRequest req = request("JSESSIONID=" + web1.cookie() + "~abc123; x=y");
        Sticky s = Sticky.of(b, req);
        assertEquals(web1.cookie(), s.requested());
        assertEquals("JSESSIONID=abc123; x=y", req.headers().get(HttpHeaderNames.COOKIE), "the server sees its own");

        HttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        resp.headers().add(HttpHeaderNames.SET_COOKIE, "JSESSIONID=new42; Path=/; HttpOnly");
        resp.headers().add(HttpHeaderNames.SET_COOKIE, "other=1");
        s.response(resp, web1, false);
        assertEquals(
                List.of("JSESSIONID=" + web1.cookie() + "~new42; Path=/; HttpOnly", "other=1"),
                resp.headers().getAll(HttpHeaderNames.SET_COOKIE));
    }

    @Test
    void rewriteReplacesTheValueTheServerSet() {
        Backend b = backend(new PersistenceConfig("SERVERID", PersistenceConfig.Mode.REWRITE, false, false, null));
        Server web1 = b.server("web1");
        HttpRequest req = request("SERVERID=" + web1.cookie());
        assertEquals(web1.cookie(), Sticky.of(b, req).requested());
        assertEquals("SERVERID=" + web1.cookie(), req.headers().get(HttpHeaderNames.COOKIE), "passed on unchanged");

        HttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        resp.headers().add(HttpHeaderNames.SET_COOKIE, "SERVERID=x; Path=/");
        Sticky.of(b, request()).response(resp, web1, false);
        assertEquals("SERVERID=" + web1.cookie() + "; Path=/", resp.headers().get(HttpHeaderNames.SET_COOKIE));
    }

    @Test
    void maxIdleDatesTheCookieRefreshesItSparinglyAndForgetsAnIdleClient() {
        MovableClock clock = new MovableClock(Instant.ofEpochSecond(1_796_203_200L));
        Backend b = backend(PersistenceConfig.insert("SRV").withMaxIdle(Duration.ofHours(1)), clock);
        Server web1 = b.server("web1");
        String v = web1.cookie();

        assertEquals("SRV=" + v + ".1796203200; Path=/; HttpOnly", setCookie(Sticky.of(b, request()), web1));

        Sticky undated = Sticky.of(b, request("SRV=" + v));
        assertEquals(v, undated.requested(), "a cookie set before max_idle was configured is honoured");
        assertEquals("SRV=" + v + ".1796203200; Path=/; HttpOnly", setCookie(undated, web1), "and gets a date");

        clock.advance(Duration.ofMinutes(14).plusSeconds(59));
        Sticky recent = Sticky.of(b, request("a=1; SRV=" + v + ".1796203200"));
        assertEquals(v, recent.requested());
        assertNull(setCookie(recent, web1), "no new cookie within a quarter of max_idle");

        clock.advance(Duration.ofSeconds(1));
        Sticky quarter = Sticky.of(b, request("SRV=" + v + ".1796203200"));
        assertEquals(v, quarter.requested());
        assertEquals("SRV=" + v + ".1796204100; Path=/; HttpOnly", setCookie(quarter, web1), "refreshed");

        clock.advance(Duration.ofMinutes(45));
        assertEquals(v, Sticky.of(b, request("SRV=" + v + ".1796203200")).requested(), "idle exactly max_idle");
        clock.advance(Duration.ofSeconds(1));
        Sticky idle = Sticky.of(b, request("SRV=" + v + ".1796203200"));
        assertNull(idle.requested(), "idle longer than max_idle: balanced as if it had no cookie");
        assertEquals("SRV=" + v + ".1796206801; Path=/; HttpOnly", setCookie(idle, web1));

        assertNull(Sticky.of(b, request("SRV=" + v + ".1796210402")).requested(), "dated beyond max_idle ahead");
        assertEquals(v, Sticky.of(b, request("SRV=" + v + ".1796210401")).requested(), "a node's clock ahead");
        for (String bad : List.of("x", "", "-5", "17962068010000")) {
            assertNull(Sticky.of(b, request("SRV=" + v + "." + bad)).requested(), bad);
        }
    }

    @Test
    void withoutMaxIdleADatedCookieStillNamesItsServer() {
        Backend b = backend(PersistenceConfig.insert("SRV"));
        Server web1 = b.server("web1");
        Sticky s = Sticky.of(b, request("SRV=" + web1.cookie() + ".1796203200"));
        assertEquals(web1.cookie(), s.requested(), "max_idle taken away by a reload: clients keep their server");
        assertNull(setCookie(s, web1));
    }

    @Test
    void maxIdleIsForInsertModeAndAtLeastASecond() {
        PersistenceConfig insert = PersistenceConfig.insert("SRV");
        assertThrows(IllegalArgumentException.class, () -> insert.withMaxIdle(Duration.ofMillis(999)));
        assertEquals(
                Duration.ofSeconds(1), insert.withMaxIdle(Duration.ofSeconds(1)).maxIdle());
        PersistenceConfig prefix = new PersistenceConfig("J", PersistenceConfig.Mode.PREFIX, false, false, null);
        assertThrows(IllegalArgumentException.class, () -> prefix.withMaxIdle(Duration.ofHours(1)));
    }
}
