package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.config.HeaderRule;
import org.tandemlb.core.config.HttpRules;
import org.tandemlb.core.config.RouteConfig;
import org.tandemlb.core.tls.TlsSession;

/** Header rules with their placeholders, request ids, and the locations of redirects. */
class HeaderRulesTest {
    private static ClientIdentity client(String address, TlsSession tls, HttpRules rules) {
        return new ClientIdentity("www", tls == null ? "http" : "https", null, address, new byte[4], tls, rules);
    }

    private static HttpRequest get(String uri) {
        HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        req.headers().set("Host", "shop.example.com");
        return req;
    }

    @Test
    void noRulesNoInstance() {
        assertNull(HeaderRules.of(client("10.0.0.5", null, HttpRules.NONE), null, get("/")));
    }

    @Test
    void placeholdersAreFilledInAndRulesRunInOrder() {
        HttpRules rules = new HttpRules(
                List.of(
                        new HeaderRule(
                                HeaderRule.Op.SET,
                                "X-Trace",
                                "{client_ip}/{frontend}/{server}/{tls_version}/{request_id}"),
                        new HeaderRule(HeaderRule.Op.ADD, "X-Hop", "two"),
                        new HeaderRule(HeaderRule.Op.DELETE, "Cookie", null)),
                List.of(new HeaderRule(HeaderRule.Op.SET, "X-Tls", "{tls_version}")),
                "X-Request-Id",
                Map.of());
        HttpRequest req = get("/");
        req.headers().add("X-Hop", "one").add("Cookie", "a=b").add("X-Trace", "forged");
        HeaderRules r = HeaderRules.of(
                client("10.0.0.5", new TlsSession("TLSv1.3", "TLS_AES_128_GCM_SHA256"), rules), null, req);
        String id = r.requestId();
        assertTrue(id.matches("[0-9a-f]{32}"), id);
        assertEquals(id, req.headers().get("X-Request-Id"), "the server gets the id");
        r.request(req, "web1");
        assertEquals(List.of("10.0.0.5/www/web1/TLSv1.3/" + id), req.headers().getAll("X-Trace"));
        assertEquals(List.of("one", "two"), req.headers().getAll("X-Hop"));
        assertNull(req.headers().get("Cookie"));
        r.request(req, "web2"); // a replay: the rules ran already
        assertEquals(List.of("one", "two"), req.headers().getAll("X-Hop"));

        HttpHeaders response = new DefaultHttpHeaders();
        r.response(response);
        assertEquals("TLSv1.3", response.get("X-Tls"));
        assertEquals(id, response.get("X-Request-Id"), "and the client");
    }

    @Test
    void placeholdersWithoutAValueAreEmptyAndIdsAreUnique() {
        HttpRules rules = new HttpRules(
                List.of(new HeaderRule(HeaderRule.Op.SET, "X-Tls", "[{tls_version}][{request_id}]")),
                List.of(),
                null,
                Map.of());
        HttpRequest req = get("/");
        HeaderRules r = HeaderRules.of(client("10.0.0.5", null, rules), null, req);
        r.request(req, "web1");
        assertEquals("[][]", req.headers().get("X-Tls"));
        assertNotEquals(HeaderRules.newId(), HeaderRules.newId());
    }

    @Test
    void aValueThatWouldHoldCrOrLfIsNeverSent() {
        HttpRules rules = new HttpRules(
                List.of(new HeaderRule(HeaderRule.Op.SET, "X-Client", "{client_ip}")), List.of(), null, Map.of());
        HttpRequest req = get("/");
        // Not a real address, but the value the placeholder would copy.
        HeaderRules r = HeaderRules.of(client("1.2.3.4\r\nX-Admin: yes", null, rules), null, req);
        r.request(req, "web1");
        assertNull(req.headers().get("X-Client"));
        assertNull(r.expand("a{client_ip}"));
        assertSame("plain", r.expand("plain"), "a value without placeholders is used as it is");
    }

    @Test
    void redirectLocationsFillInSchemeHostAndPath() {
        RouteConfig.Redirect keep = new RouteConfig.Redirect(301, "https://{host}/v2{path}", false);
        RouteConfig.Redirect strip = new RouteConfig.Redirect(302, "{scheme}://new.example.com{path}", true);
        assertEquals("https://shop.example.com/v2/a/b?c=d", RouteAnswer.location(keep, get("/a/b?c=d"), "http"));
        assertEquals("http://new.example.com/a/b", RouteAnswer.location(strip, get("/a/b?c=d"), "http"));
        assertEquals(
                "http://new.example.com/p", RouteAnswer.location(strip, get("http://proxy.example.com/p?q"), "http"));
        HttpRequest badHost = get("/");
        badHost.headers().set("Host", "evil.example.com/path");
        assertNull(RouteAnswer.location(keep, badHost, "http"), "a Host that is not a host is not copied");
    }
}
