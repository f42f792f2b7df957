package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.PersistenceConfig;
import org.tandemlb.core.config.ServerConfig;

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
}
