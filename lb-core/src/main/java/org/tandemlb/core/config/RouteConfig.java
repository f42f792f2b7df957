package org.tandemlb.core.config;

import java.util.Locale;
import java.util.Objects;

/**
 * A routing rule of an HTTP frontend: a request whose host and path match goes to {@code backend}.
 * Rules are tried in order and the first match wins; a request that matches none goes to the
 * frontend's default backend.
 *
 * @param host       the request's host (without port, case-insensitive), or null for any
 * @param pathPrefix the request path's prefix, or null for any
 * @param backend    the backend's name
 */
public record RouteConfig(String host, String pathPrefix, String backend) {
    public RouteConfig {
        if (host == null && pathPrefix == null) {
            throw new IllegalArgumentException("a route needs host or path_prefix");
        }
        host = host == null ? null : host.toLowerCase(Locale.ROOT);
        if (pathPrefix != null && !pathPrefix.startsWith("/")) {
            throw new IllegalArgumentException("path_prefix '" + pathPrefix + "' must start with /");
        }
        Objects.requireNonNull(backend, "backend");
    }

    /** Whether a request for {@code requestHost} (lower case, no port) and {@code path} matches. */
    public boolean matches(String requestHost, String path) {
        return (host == null || host.equals(requestHost)) && (pathPrefix == null || path.startsWith(pathPrefix));
    }
}
