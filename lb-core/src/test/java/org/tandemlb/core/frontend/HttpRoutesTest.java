package org.tandemlb.core.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.NetUtil;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.config.Cidr;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.RouteConfig;

/** An HTTP frontend's routing: rules in order, host without port and case, the default backend last. */
class HttpRoutesTest {
    /** A client's address for the routes that have no {@code source}. */
    private static final byte[] LOOPBACK = {127, 0, 0, 1};

    private static final HttpRoutes ROUTES = new HttpRoutes(FrontendConfig.builder("fe", Mode.HTTP)
            .bind("127.0.0.1:0")
            .defaultBackend("web")
            .route(new RouteConfig(null, "/api/", "api"))
            .route(new RouteConfig("static.example.com", null, "static"))
            .route(new RouteConfig("::1", null, "v6"))
            .route(new RouteConfig("[::1]", null, "v6-bracketed"))
            .build());

    private static HttpRequest get(String uri, String host) {
        HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        if (host != null) {
            req.headers().set("Host", host);
        }
        return req;
    }

    @Test
    void firstMatchingRuleWins() {
        assertEquals("api", ROUTES.backendFor(get("/api/users", "static.example.com"), LOOPBACK));
        assertEquals("static", ROUTES.backendFor(get("/img/a.png", "static.example.com"), LOOPBACK));
    }

    @Test
    void hostIsComparedWithoutPortAndCase() {
        assertEquals("static", ROUTES.backendFor(get("/", "Static.Example.COM:8080"), LOOPBACK));
        // A bracketed IPv6 literal keeps its brackets and loses its port; a bare one is left whole.
        assertEquals("v6-bracketed", ROUTES.backendFor(get("/", "[::1]:8080"), LOOPBACK));
        assertEquals("v6", ROUTES.backendFor(get("/", "::1"), LOOPBACK));
    }

    @Test
    void unmatchedOrHostlessRequestsGoToTheDefaultBackend() {
        assertEquals("web", ROUTES.backendFor(get("/", "www.example.com"), LOOPBACK));
        assertEquals("web", ROUTES.backendFor(get("/", null), LOOPBACK));
    }

    private static final HttpRoutes CONDITIONS = new HttpRoutes(FrontendConfig.builder("fe", Mode.HTTP)
            .bind("127.0.0.1:0")
            .defaultBackend("web")
            .route(RouteConfig.builder()
                    .method("POST")
                    .method("PUT")
                    .pathPrefix("/orders")
                    .backend("writes")
                    .build())
            .route(RouteConfig.builder()
                    .header(new RouteConfig.HeaderMatch("X-Canary", RouteConfig.HeaderMatch.Kind.EXACT, "1"))
                    .backend("canary")
                    .build())
            .route(RouteConfig.builder()
                    .header(new RouteConfig.HeaderMatch("User-Agent", RouteConfig.HeaderMatch.Kind.PREFIX, "curl/"))
                    .header(new RouteConfig.HeaderMatch("X-Debug", RouteConfig.HeaderMatch.Kind.PRESENT, null))
                    .backend("debug")
                    .build())
            .route(RouteConfig.builder()
                    .query(new RouteConfig.QueryMatch("preview", null))
                    .backend("preview")
                    .build())
            .route(RouteConfig.builder()
                    .query(new RouteConfig.QueryMatch("v", "2"))
                    .backend("v2")
                    .build())
            .route(RouteConfig.builder()
                    .pathRegex("^/users/[0-9]+$")
                    .backend("users")
                    .build())
            .build());

    private static HttpRequest request(HttpMethod method, String uri, String... headers) {
        HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri);
        for (int i = 0; i < headers.length; i += 2) {
            req.headers().add(headers[i], headers[i + 1]);
        }
        return req;
    }

    @Test
    void methodsAndPathPrefixMustBothMatch() {
        assertEquals("writes", CONDITIONS.backendFor(request(HttpMethod.POST, "/orders/1"), LOOPBACK));
        assertEquals("writes", CONDITIONS.backendFor(request(HttpMethod.PUT, "/orders"), LOOPBACK));
        assertEquals("web", CONDITIONS.backendFor(request(HttpMethod.GET, "/orders/1"), LOOPBACK));
        assertEquals("web", CONDITIONS.backendFor(request(HttpMethod.POST, "/basket"), LOOPBACK));
    }

    @Test
    void headersMatchExactlyByPrefixOrByPresence() {
        assertEquals("canary", CONDITIONS.backendFor(request(HttpMethod.GET, "/", "x-canary", "1"), LOOPBACK));
        assertEquals("web", CONDITIONS.backendFor(request(HttpMethod.GET, "/", "X-Canary", "10"), LOOPBACK));
        // Any of a repeated header's values may match.
        assertEquals(
                "canary",
                CONDITIONS.backendFor(request(HttpMethod.GET, "/", "X-Canary", "0", "X-Canary", "1"), LOOPBACK));
        assertEquals(
                "debug",
                CONDITIONS.backendFor(request(HttpMethod.GET, "/", "User-Agent", "curl/8.5", "X-Debug", ""), LOOPBACK));
        assertEquals(
                "web",
                CONDITIONS.backendFor(request(HttpMethod.GET, "/", "User-Agent", "curl/8.5"), LOOPBACK),
                "every condition");
        assertEquals(
                "web",
                CONDITIONS.backendFor(
                        request(HttpMethod.GET, "/", "User-Agent", "Mozilla curl/", "X-Debug", "1"), LOOPBACK));
    }

    @Test
    void queryParametersMatchByNameAndValue() {
        assertEquals("preview", CONDITIONS.backendFor(request(HttpMethod.GET, "/a?preview"), LOOPBACK));
        assertEquals("preview", CONDITIONS.backendFor(request(HttpMethod.GET, "/a?x=1&preview=yes"), LOOPBACK));
        assertEquals("web", CONDITIONS.backendFor(request(HttpMethod.GET, "/a?nopreview=1&previews"), LOOPBACK));
        assertEquals("v2", CONDITIONS.backendFor(request(HttpMethod.GET, "/a?v=2"), LOOPBACK));
        assertEquals("v2", CONDITIONS.backendFor(request(HttpMethod.GET, "/a?a=b&v=2&c"), LOOPBACK));
        assertEquals("web", CONDITIONS.backendFor(request(HttpMethod.GET, "/a?v=20"), LOOPBACK));
        assertEquals("web", CONDITIONS.backendFor(request(HttpMethod.GET, "/a?v="), LOOPBACK));
        assertEquals("web", CONDITIONS.backendFor(request(HttpMethod.GET, "/v=2"), LOOPBACK), "not in a query");
    }

    @Test
    void aPathExpressionSeesThePathWithoutTheQuery() {
        assertEquals("users", CONDITIONS.backendFor(request(HttpMethod.GET, "/users/42"), LOOPBACK));
        assertEquals("users", CONDITIONS.backendFor(request(HttpMethod.GET, "/users/42?tab=1"), LOOPBACK));
        assertEquals("web", CONDITIONS.backendFor(request(HttpMethod.GET, "/users/42/posts"), LOOPBACK));
        assertEquals("web", CONDITIONS.backendFor(request(HttpMethod.GET, "/users/me"), LOOPBACK));
    }

    private static final HttpRoutes SOURCES = new HttpRoutes(FrontendConfig.builder("fe", Mode.HTTP)
            .bind("127.0.0.1:0")
            .defaultBackend("web")
            .route(RouteConfig.builder()
                    .host("admin.example.com")
                    .source(Cidr.parse("10.0.0.0/8"))
                    .backend("admin")
                    .build())
            .route(RouteConfig.builder()
                    .source(Cidr.parse("10.0.0.0/8"))
                    .source(Cidr.parse("192.168.1.5"))
                    .backend("office")
                    .build())
            .route(RouteConfig.builder()
                    .source(Cidr.parse("2001:db8::/32"))
                    .backend("v6")
                    .build())
            .build());

    private static byte[] ip(String address) {
        return NetUtil.createByteArrayFromIpAddressString(address);
    }

    @Test
    void aSourceRouteMatchesClientsInItsNetworks() {
        assertEquals("office", SOURCES.backendFor(get("/", "www.example.com"), ip("10.20.30.40")));
        assertEquals("office", SOURCES.backendFor(get("/", "www.example.com"), ip("192.168.1.5")));
        assertEquals("v6", SOURCES.backendFor(get("/", "www.example.com"), ip("2001:db8::7")));
        assertEquals(
                "office",
                SOURCES.backendFor(get("/", "www.example.com"), ip("::ffff:10.1.2.3")),
                "an IPv4 client on an IPv6 socket is matched as IPv4");
    }

    @Test
    void aClientOutsideEverySourceFallsThroughToTheDefault() {
        assertEquals("web", SOURCES.backendFor(get("/", "www.example.com"), ip("192.168.1.6")));
        assertEquals("web", SOURCES.backendFor(get("/", "www.example.com"), ip("11.0.0.1")));
        assertEquals("web", SOURCES.backendFor(get("/", "www.example.com"), ip("2001:db9::1")));
        assertEquals("web", SOURCES.backendFor(get("/", "www.example.com"), ip("::ffff:192.168.1.6")));
        assertEquals("web", SOURCES.backendFor(get("/", "www.example.com"), new byte[0]), "an unknown address");
    }

    @Test
    void aSourceIsAndedWithTheOtherConditions() {
        assertEquals("admin", SOURCES.backendFor(get("/", "admin.example.com"), ip("10.0.0.1")));
        assertEquals(
                "office",
                SOURCES.backendFor(get("/", "admin.example.com"), ip("192.168.1.5")),
                "the host matches, the source does not: the next route is tried");
        assertEquals("web", SOURCES.backendFor(get("/", "admin.example.com"), ip("172.16.0.1")));
    }

    @Test
    void aRouteIsCheckedWhenMade() {
        assertThrows(
                IllegalArgumentException.class,
                () -> RouteConfig.builder().backend("b").build(),
                "no condition");
        assertEquals(
                "b",
                RouteConfig.builder()
                        .source(Cidr.parse("10.0.0.0/8"))
                        .backend("b")
                        .build()
                        .backend(),
                "a source alone is a condition");
        assertThrows(
                IllegalArgumentException.class,
                () -> RouteConfig.builder()
                        .pathPrefix("/")
                        .backend("b")
                        .deny(403)
                        .build(),
                "two actions");
        IllegalArgumentException bad = assertThrows(
                IllegalArgumentException.class, () -> RouteConfig.builder().pathRegex("(unclosed"));
        assertTrue(bad.getMessage().contains("Java regular expression"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new RouteConfig.Redirect(300, "/x", false));
        assertThrows(IllegalArgumentException.class, () -> new RouteConfig.Redirect(301, "/{uri}", false));
        assertEquals(
                RouteConfig.builder().pathRegex("^/a").backend("b").build(),
                RouteConfig.builder().pathRegex("^/a").backend("b").build(),
                "equal configurations compare equal (a reload sees no change)");
    }
}
