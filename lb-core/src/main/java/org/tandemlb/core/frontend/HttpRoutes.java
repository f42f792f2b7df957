package org.tandemlb.core.frontend;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.util.List;
import java.util.Locale;
import org.tandemlb.core.config.Cidr;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.RouteConfig;
import org.tandemlb.core.http.Router;

/**
 * An HTTP frontend's routing: its {@code routes} in order, the first match wins, and its
 * {@code default_backend} for a request that matches none. A route matches when every condition
 * it has holds: host, path prefix, client's networks ({@code source}), method, path regular
 * expression, headers, query parameters. Made from the configuration a connection was accepted
 * with, so a reload changes the routing of new connections only.
 *
 * <p>A frontend without routes costs a request nothing; a route's conditions are tried cheapest
 * first, and only a path expression or a query condition looks past the request target's text.
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
    public RouteConfig route(HttpRequest request, byte[] client) {
        if (routes.isEmpty()) {
            return null;
        }
        String h = hostWithoutPort(request.headers().get(HttpHeaderNames.HOST));
        String uri = request.uri();
        for (int i = 0; i < routes.size(); i++) {
            RouteConfig r = routes.get(i);
            if (r.matches(h, uri)
                    && (r.sources().isEmpty() || Cidr.anyContains(r.sources(), client))
                    && matchesRest(r, request, uri)) {
                return r;
            }
        }
        return null;
    }

    @Override
    public String defaultBackend() {
        return defaultBackend;
    }

    /** The conditions besides host and path prefix. */
    private static boolean matchesRest(RouteConfig r, HttpRequest request, String uri) {
        if (!r.methods().isEmpty() && !r.methods().contains(request.method().name())) {
            return false;
        }
        // Indexed loops: a route with no such condition costs no iterator.
        List<RouteConfig.HeaderMatch> headerMatches = r.headers();
        HttpHeaders headers = request.headers();
        for (int i = 0; i < headerMatches.size(); i++) {
            if (!headerMatches(headers, headerMatches.get(i))) {
                return false;
            }
        }
        List<RouteConfig.QueryMatch> queryMatches = r.query();
        int q = queryMatches.isEmpty() && r.pathRegex() == null ? -1 : uri.indexOf('?');
        for (int i = 0; i < queryMatches.size(); i++) {
            if (q < 0 || !queryHas(uri, q + 1, queryMatches.get(i))) {
                return false;
            }
        }
        return r.pathRegex() == null
                || r.pathRegex()
                        .pattern()
                        .matcher(q < 0 ? uri : uri.substring(0, q))
                        .find();
    }

    private static boolean headerMatches(HttpHeaders headers, RouteConfig.HeaderMatch m) {
        if (m.kind() == RouteConfig.HeaderMatch.Kind.PRESENT) {
            return headers.contains(m.name());
        }
        for (String v : headers.getAll(m.name())) {
            if (m.kind() == RouteConfig.HeaderMatch.Kind.EXACT ? v.equals(m.value()) : v.startsWith(m.value())) {
                return true;
            }
        }
        return false;
    }

    /** Whether the query starting at {@code from} has the parameter (with the value, when the condition has one). */
    static boolean queryHas(String uri, int from, RouteConfig.QueryMatch m) {
        int end = uri.indexOf('#', from);
        if (end < 0) {
            end = uri.length();
        }
        int i = from;
        while (i <= end) {
            int amp = uri.indexOf('&', i);
            if (amp < 0 || amp > end) {
                amp = end;
            }
            int eq = uri.indexOf('=', i);
            int nameEnd = eq >= 0 && eq < amp ? eq : amp;
            if (nameEnd - i == m.name().length() && uri.startsWith(m.name(), i)) {
                if (m.value() == null) {
                    return true;
                }
                int valueStart = nameEnd == amp ? amp : nameEnd + 1;
                if (amp - valueStart == m.value().length() && uri.startsWith(m.value(), valueStart)) {
                    return true;
                }
            }
            i = amp + 1;
        }
        return false;
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
