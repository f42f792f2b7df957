package org.tandemlb.core.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
