package org.tandemlb.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A listener for clients.
 *
 * @param name           unique among frontends, {@code [A-Za-z0-9_.-]+}
 * @param mode           {@code http} or {@code tcp}
 * @param binds          one or more addresses to listen on
 * @param maxConnections 0 for no limit; otherwise connections past it are closed on accept
 * @param defaultBackend the backend of requests no route matches (of every connection in tcp mode)
 * @param routes         http mode: host/path rules tried in order before the default backend
 * @param timeouts       client, http_request, keep_alive and drain apply here
 * @param tls            TLS termination, or null for a cleartext frontend
 */
public record FrontendConfig(String name, Mode mode, List<HostPort> binds, int maxConnections,
                             String defaultBackend, List<RouteConfig> routes, Timeouts timeouts,
                             TlsConfig tls) {

    public FrontendConfig {
        Names.require("frontend", name);
        Objects.requireNonNull(mode, "mode");
        binds = List.copyOf(binds);
        if (binds.isEmpty()) {
            throw new IllegalArgumentException("frontend " + name + " needs at least one bind address");
        }
        if (maxConnections < 0) {
            throw new IllegalArgumentException("frontend " + name + ": max_connections must not be negative");
        }
        Objects.requireNonNull(defaultBackend, "frontend " + name + ": default_backend");
        routes = routes == null ? List.of() : List.copyOf(routes);
        if (mode == Mode.TCP && !routes.isEmpty()) {
            throw new IllegalArgumentException("frontend " + name + ": routes need mode http");
        }
        Objects.requireNonNull(timeouts, "timeouts");
    }

    /** A cleartext frontend. */
    public FrontendConfig(String name, Mode mode, List<HostPort> binds, int maxConnections,
                          String defaultBackend, List<RouteConfig> routes, Timeouts timeouts) {
        this(name, mode, binds, maxConnections, defaultBackend, routes, timeouts, null);
    }

    /** A builder for a frontend called {@code name} in {@code mode}. */
    public static Builder builder(String name, Mode mode) {
        return new Builder(name, mode);
    }

    /** Builds {@link FrontendConfig}. */
    public static final class Builder {
        private final String name;
        private final Mode mode;
        private final List<HostPort> binds = new ArrayList<>();
        private int maxConnections;
        private String defaultBackend;
        private final List<RouteConfig> routes = new ArrayList<>();
        private Timeouts timeouts = Timeouts.DEFAULTS;
        private TlsConfig tls;

        private Builder(String name, Mode mode) {
            this.name = name;
            this.mode = mode;
        }

        public Builder bind(String hostPort) { binds.add(HostPort.parse(hostPort)); return this; }
        public Builder bind(HostPort hostPort) { binds.add(Objects.requireNonNull(hostPort)); return this; }
        public Builder maxConnections(int m) { maxConnections = m; return this; }
        public Builder defaultBackend(String b) { defaultBackend = b; return this; }
        public Builder route(RouteConfig r) { routes.add(Objects.requireNonNull(r)); return this; }
        public Builder timeouts(Timeouts t) { timeouts = t; return this; }
        public Builder tls(TlsConfig t) { tls = t; return this; }

        public FrontendConfig build() {
            return new FrontendConfig(name, mode, binds, maxConnections, defaultBackend, routes, timeouts, tls);
        }
    }
}
