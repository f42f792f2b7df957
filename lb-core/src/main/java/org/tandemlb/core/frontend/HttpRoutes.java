package org.tandemlb.core.frontend;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.util.List;
import java.util.Locale;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.RouteConfig;
import org.tandemlb.core.http.Router;

/**
 * An HTTP frontend's routing: its {@code routes} in order, the first match wins, and its
 * {@code default_backend} for a request that matches none. Made from the configuration a
 * connection was accepted with, so a reload changes the routing of new connections only.
 */
public final class HttpRoutes implements Router {
    private final List<RouteConfig> routes;
    private final String defaultBackend;

    /** The routing of {@code frontend}. */
    public HttpRoutes(FrontendConfig frontend) {
        this.routes = frontend.routes();
        this.defaultBackend = frontend.defaultBackend();
    }

    @Override
    public String backendFor(HttpRequest request) {
        if (!routes.isEmpty()) {
            String h = hostWithoutPort(request.headers().get(HttpHeaderNames.HOST));
            String path = request.uri();
            for (RouteConfig r : routes) {
                if (r.matches(h, path)) {
                    return r.backend();
                }
            }
        }
        return defaultBackend;
    }

    /** The host in lower case without its port ({@code [::1]:8080} gives {@code [::1]}); "" for none. */
    private static String hostWithoutPort(String host) {
        if (host == null) {
            return "";
        }
        String h = host.trim().toLowerCase(Locale.ROOT);
        int colon = h.lastIndexOf(':');
        if (colon > 0 && h.indexOf(']') < colon && (h.startsWith("[") || h.indexOf(':') == colon)) {
            h = h.substring(0, colon);
        }
        return h;
    }
}
