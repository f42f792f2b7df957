package org.tandemlb.core.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.RouteConfig;

/** An HTTP frontend's routing: rules in order, host without port and case, the default backend last. */
class HttpRoutesTest {
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
        assertEquals("api", ROUTES.backendFor(get("/api/users", "static.example.com")));
        assertEquals("static", ROUTES.backendFor(get("/img/a.png", "static.example.com")));
    }

    @Test
    void hostIsComparedWithoutPortAndCase() {
        assertEquals("static", ROUTES.backendFor(get("/", "Static.Example.COM:8080")));
        // A bracketed IPv6 literal keeps its brackets and loses its port; a bare one is left whole.
        assertEquals("v6-bracketed", ROUTES.backendFor(get("/", "[::1]:8080")));
        assertEquals("v6", ROUTES.backendFor(get("/", "::1")));
    }

    @Test
    void unmatchedOrHostlessRequestsGoToTheDefaultBackend() {
        assertEquals("web", ROUTES.backendFor(get("/", "www.example.com")));
        assertEquals("web", ROUTES.backendFor(get("/", null)));
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
        assertEquals("writes", CONDITIONS.backendFor(request(HttpMethod.POST, "/orders/1")));
        assertEquals("writes", CONDITIONS.backendFor(request(HttpMethod.PUT, "/orders")));
        assertEquals("web", CONDITIONS.backendFor(request(HttpMethod.GET, "/orders/1")));
        assertEquals("web", CONDITIONS.backendFor(request(HttpMethod.POST, "/basket")));
    }

    @Test
    void headersMatchExactlyByPrefixOrByPresence() {
        assertEquals("canary", CONDITIONS.backendFor(request(HttpMethod.GET, "/", "x-canary", "1")));
        assertEquals("web", CONDITIONS.backendFor(request(HttpMethod.GET, "/", "X-Canary", "10")));
        // Any of a repeated header's values may match.
        assertEquals("canary", CONDITIONS.backendFor(request(HttpMethod.GET, "/", "X-Canary", "0", "X-Canary", "1")));
        assertEquals(
                "debug", CONDITIONS.backendFor(request(HttpMethod.GET, "/", "User-Agent", "curl/8.5", "X-Debug", "")));
        assertEquals(
                "web",
                CONDITIONS.backendFor(request(HttpMethod.GET, "/", "User-Agent", "curl/8.5")),
                "every condition");
        assertEquals(
                "web",
                CONDITIONS.backendFor(request(HttpMethod.GET, "/", "User-Agent", "Mozilla curl/", "X-Debug", "1")));
    }

    @Test
    void queryParametersMatchByNameAndValue() {
        assertEquals("preview", CONDITIONS.backendFor(request(HttpMethod.GET, "/a?preview")));
        assertEquals("preview", CONDITIONS.backendFor(request(HttpMethod.GET, "/a?x=1&preview=yes")));
        assertEquals("web", CONDITIONS.backendFor(request(HttpMethod.GET, "/a?nopreview=1&previews")));
        assertEquals("v2", CONDITIONS.backendFor(request(HttpMethod.GET, "/a?v=2")));
        assertEquals("v2", CONDITIONS.backendFor(request(HttpMethod.GET, "/a?a=b&v=2&c")));
        assertEquals("web", CONDITIONS.backendFor(request(HttpMethod.GET, "/a?v=20")));
        assertEquals("web", CONDITIONS.backendFor(request(HttpMethod.GET, "/a?v=")));
        assertEquals("web", CONDITIONS.backendFor(request(HttpMethod.GET, "/v=2")), "not in a query");
    }

    @Test
    void aPathExpressionSeesThePathWithoutTheQuery() {
        assertEquals("users", CONDITIONS.backendFor(request(HttpMethod.GET, "/users/42")));
        assertEquals("users", CONDITIONS.backendFor(request(HttpMethod.GET, "/users/42?tab=1")));
        assertEquals("web", CONDITIONS.backendFor(request(HttpMethod.GET, "/users/42/posts")));
        assertEquals("web", CONDITIONS.backendFor(request(HttpMethod.GET, "/users/me")));
    }

    @Test
    void aRouteIsCheckedWhenMade() {
        assertThrows(
                IllegalArgumentException.class,
                () -> RouteConfig.builder().backend("b").build(),
                "no condition");
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
