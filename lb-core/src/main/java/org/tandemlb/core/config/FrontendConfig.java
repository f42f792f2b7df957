package org.tandemlb.core.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A listener for clients.
 *
 * @param name           unique among frontends, {@code [A-Za-z0-9_.-]+}
 * @param mode           {@code http} or {@code tcp}
 * @param binds          one or more addresses to listen on
 * @param maxConnections 0 for no limit; otherwise the frontend stops accepting while it has
 *                       this many connections (the kernel's backlog holds the next ones)
 * @param defaultBackend the backend of requests no route matches (of every connection in tcp mode)
 * @param routes         http mode: the routes tried in order before the default backend ({@link RouteConfig})
 * @param timeouts       client, http_request, keep_alive and drain apply here
 * @param acceptProxy    every connection starts with a PROXY protocol header (v1 or v2) whose
 *                       source address is the client's ({@code accept_proxy})
 * @param redirectHttps  http mode: every request is answered {@code 308} to the same host and path
 *                       over {@code https://}, without a server ({@code redirect_https})
 * @param redirectHttpsPort the port written in those redirects; 0 for none (443)
 * @param hsts           http mode: the {@code max-age} of the {@code Strict-Transport-Security}
 *                       header added to responses, or null for none (meant for TLS frontends)
 * @param http2          http mode: h2c and the HTTP/2 limits
 * @param tls            TLS termination, or null for a cleartext frontend
 * @param limits         the size limits of requests and the per-client limits ({@code limits})
 * @param rules          http mode: header rules, request id and error pages ({@link HttpRules#NONE}
 *                       for none)
 */
public record FrontendConfig(
        String name,
        Mode mode,
        List<HostPort> binds,
        int maxConnections,
        String defaultBackend,
        List<RouteConfig> routes,
        Timeouts timeouts,
        boolean acceptProxy,
        boolean redirectHttps,
        int redirectHttpsPort,
        Duration hsts,
        Http2Config http2,
        TlsConfig tls,
        LimitsConfig limits,
        HttpRules rules) {

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
        if (mode == Mode.TCP && (redirectHttps || hsts != null)) {
            throw new IllegalArgumentException("frontend " + name + ": redirect_https and hsts need mode http");
        }
        if (redirectHttpsPort < 0 || redirectHttpsPort > 65535 || (redirectHttpsPort != 0 && !redirectHttps)) {
            throw new IllegalArgumentException(
                    "frontend " + name + ": redirect_https_port must be within 1-65535, with redirect_https");
        }
        if (hsts != null && (hsts.isNegative() || hsts.toSeconds() == 0 && !hsts.isZero())) {
            throw new IllegalArgumentException("frontend " + name + ": hsts must be zero or at least one second");
        }
        http2 = http2 == null ? Http2Config.DEFAULTS : http2;
        limits = limits == null ? LimitsConfig.DEFAULTS : limits;
        if (mode == Mode.TCP && http2.h2c()) {
            throw new IllegalArgumentException("frontend " + name + ": h2c needs mode http");
        }
        rules = rules == null ? HttpRules.NONE : rules;
        if (mode == Mode.TCP && !rules.isEmpty()) {
            throw new IllegalArgumentException(
                    "frontend " + name + ": header rules, request_id and error_pages need mode http");
        }
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
        private boolean acceptProxy;
        private boolean redirectHttps;
        private int redirectHttpsPort;
        private Duration hsts;
        private Http2Config http2 = Http2Config.DEFAULTS;
        private TlsConfig tls;
        private LimitsConfig limits = LimitsConfig.DEFAULTS;
        private HttpRules rules = HttpRules.NONE;

        private Builder(String name, Mode mode) {
            this.name = name;
            this.mode = mode;
        }

        public Builder bind(String hostPort) {
            binds.add(HostPort.parse(hostPort));
            return this;
        }

        public Builder bind(HostPort hostPort) {
            binds.add(Objects.requireNonNull(hostPort));
            return this;
        }

        public Builder maxConnections(int m) {
            maxConnections = m;
            return this;
        }

        public Builder defaultBackend(String b) {
            defaultBackend = b;
            return this;
        }

        public Builder route(RouteConfig r) {
            routes.add(Objects.requireNonNull(r));
            return this;
        }

        public Builder timeouts(Timeouts t) {
            timeouts = t;
            return this;
        }

        public Builder acceptProxy(boolean a) {
            acceptProxy = a;
            return this;
        }

        public Builder redirectHttps(boolean r) {
            redirectHttps = r;
            return this;
        }

        public Builder redirectHttpsPort(int p) {
            redirectHttpsPort = p;
            return this;
        }

        public Builder hsts(Duration maxAge) {
            hsts = maxAge;
            return this;
        }

        public Builder http2(Http2Config h) {
            http2 = h;
            return this;
        }

        public Builder tls(TlsConfig t) {
            tls = t;
            return this;
        }

        public Builder limits(LimitsConfig l) {
            limits = l;
            return this;
        }

        /** Header rules, request id and error pages ({@link HttpRules#NONE} for none). */
        public Builder rules(HttpRules r) {
            rules = r;
            return this;
        }

        public FrontendConfig build() {
            return new FrontendConfig(
                    name,
                    mode,
                    binds,
                    maxConnections,
                    defaultBackend,
                    routes,
                    timeouts,
                    acceptProxy,
                    redirectHttps,
                    redirectHttpsPort,
                    hsts,
                    http2,
                    tls,
                    limits,
                    rules);
        }
    }
}
