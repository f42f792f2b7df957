package org.tandemlb.core.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A pool of servers and how to balance, check and reach them.
 *
 * @param name         unique among backends, {@code [A-Za-z0-9_.-]+}
 * @param mode         must match the mode of the frontends that use it
 * @param balance      the balancing algorithm
 * @param hash         with {@link Balance#HASH}: what is hashed; null otherwise
 * @param servers      the servers, names unique; may be empty (every request then gets 503)
 * @param timeouts     connect, server, queue and tunnel apply here
 * @param retries      how many other servers a failed connect is retried on (HAProxy's
 *                     {@code retries}, with {@code option redispatch})
 * @param healthCheck  the active check, or null for none (servers are then always up unless
 *                     passive checks take them down)
 * @param passiveCheck passive checking on live traffic
 * @param slowStart    the ramp-up time of a server's weight after it comes back up; zero for none
 * @param sendProxy    the PROXY protocol header written first on each new server connection
 *                     (default {@link SendProxy#NONE})
 * @param tls          TLS to the servers (and their health checks), or null for plain TCP
 * @param persistence  cookie persistence (sticky sessions), http mode; null for none
 * @param rules        http mode: header rules and error pages ({@link HttpRules#NONE} for none;
 *                     a request id is a frontend's)
 * @param protocol     http mode: HTTP/1.1 or HTTP/2 to the servers (default
 *                     {@link ServerProtocol#HTTP1}); HTTP/2 is not combined with {@code send_proxy}
 */
public record BackendConfig(
        String name,
        Mode mode,
        Balance balance,
        HashPolicy hash,
        List<ServerConfig> servers,
        Timeouts timeouts,
        int retries,
        HealthCheckConfig healthCheck,
        PassiveCheckConfig passiveCheck,
        Duration slowStart,
        SendProxy sendProxy,
        UpstreamTlsConfig tls,
        PersistenceConfig persistence,
        HttpRules rules,
        ServerProtocol protocol) {

    public BackendConfig {
        Names.require("backend", name);
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(balance, "balance");
        if ((balance == Balance.HASH) != (hash != null)) {
            throw new IllegalArgumentException("backend " + name + ": balance hash needs its key, and only it has one");
        }
        if (balance == Balance.HASH && mode != Mode.HTTP) {
            throw new IllegalArgumentException(
                    "backend " + name + ": hash balancing reads the request and needs mode http (source hashes a tcp "
                            + "client's address)");
        }
        servers = List.copyOf(servers);
        Objects.requireNonNull(timeouts, "timeouts");
        passiveCheck = passiveCheck == null ? PassiveCheckConfig.OFF : passiveCheck;
        slowStart = slowStart == null ? Duration.ZERO : slowStart;
        if (slowStart.isNegative()) {
            throw new IllegalArgumentException("backend " + name + ": slow_start must not be negative");
        }
        sendProxy = sendProxy == null ? SendProxy.NONE : sendProxy;
        if (retries < 0) {
            throw new IllegalArgumentException("backend " + name + ": retries must not be negative");
        }
        protocol = protocol == null ? ServerProtocol.HTTP1 : protocol;
        if (protocol == ServerProtocol.H2 && mode != Mode.HTTP) {
            throw new IllegalArgumentException("backend " + name + ": protocol h2 needs mode http");
        }
        if (protocol == ServerProtocol.H2 && sendProxy != SendProxy.NONE) {
            // Streams of many clients share an HTTP/2 connection; a PROXY header names one client.
            throw new IllegalArgumentException("backend " + name
                    + ": send_proxy cannot be used with protocol h2 (a connection carries many clients)");
        }
        if (healthCheck != null && healthCheck.type() == HealthCheckConfig.Type.GRPC && protocol != ServerProtocol.H2) {
            throw new IllegalArgumentException(
                    "backend " + name + ": a grpc health check speaks HTTP/2: it needs protocol h2");
        }
        if (tls != null) {
            tls.checkFor(name, mode, protocol);
        }
        if (persistence != null && mode != Mode.HTTP) {
            throw new IllegalArgumentException("backend " + name + ": cookie persistence needs mode http");
        }
        Set<String> seen = new HashSet<>();
        for (ServerConfig s : servers) {
            if (!seen.add(s.name())) {
                throw new IllegalArgumentException(
                        "backend " + name + ": server name '" + s.name() + "' is used twice");
            }
        }
        rules = rules == null ? HttpRules.NONE : rules;
        if (mode == Mode.TCP && !rules.isEmpty()) {
            throw new IllegalArgumentException("backend " + name + ": header rules and error_pages need mode http");
        }
        if (rules.requestId() != null) {
            throw new IllegalArgumentException("backend " + name + ": request_id is a frontend setting");
        }
    }

    /** The server called {@code serverName}, or null. */
    public ServerConfig server(String serverName) {
        for (ServerConfig s : servers) {
            if (s.name().equals(serverName)) {
                return s;
            }
        }
        return null;
    }

    /** A builder for a backend called {@code name} in {@code mode}, round-robin, default timeouts, 3 retries. */
    public static Builder builder(String name, Mode mode) {
        return new Builder(name, mode);
    }

    /** Builds {@link BackendConfig}. */
    public static final class Builder {
        private final String name;
        private final Mode mode;
        private Balance balance = Balance.ROUNDROBIN;
        private HashPolicy hash;
        private final List<ServerConfig> servers = new ArrayList<>();
        private Timeouts timeouts = Timeouts.DEFAULTS;
        private int retries = 3;
        private HealthCheckConfig healthCheck;
        private PassiveCheckConfig passiveCheck = PassiveCheckConfig.OFF;
        private Duration slowStart = Duration.ZERO;
        private UpstreamTlsConfig tls;
        private SendProxy sendProxy = SendProxy.NONE;
        private PersistenceConfig persistence;
        private HttpRules rules = HttpRules.NONE;
        private ServerProtocol protocol = ServerProtocol.HTTP1;

        private Builder(String name, Mode mode) {
            this.name = name;
            this.mode = mode;
        }

        /** The algorithm (default round-robin); for {@link Balance#HASH} use {@link #hash}. */
        public Builder balance(Balance b) {
            balance = b;
            hash = null;
            return this;
        }

        /** Hash balancing by {@code h}. */
        public Builder hash(HashPolicy h) {
            balance = Balance.HASH;
            hash = Objects.requireNonNull(h);
            return this;
        }

        public Builder server(ServerConfig s) {
            servers.add(Objects.requireNonNull(s));
            return this;
        }

        public Builder servers(List<ServerConfig> s) {
            servers.addAll(s);
            return this;
        }

        public Builder timeouts(Timeouts t) {
            timeouts = t;
            return this;
        }

        public Builder retries(int r) {
            retries = r;
            return this;
        }

        public Builder healthCheck(HealthCheckConfig h) {
            healthCheck = h;
            return this;
        }

        public Builder passiveCheck(PassiveCheckConfig p) {
            passiveCheck = p;
            return this;
        }

        public Builder slowStart(Duration d) {
            slowStart = d;
            return this;
        }

        public Builder tls(UpstreamTlsConfig t) {
            tls = t;
            return this;
        }

        public Builder sendProxy(SendProxy s) {
            sendProxy = s;
            return this;
        }

        /** Cookie persistence, or null for none. */
        public Builder persistence(PersistenceConfig p) {
            persistence = p;
            return this;
        }

        /** Header rules and error pages ({@link HttpRules#NONE} for none). */
        public Builder rules(HttpRules r) {
            rules = r;
            return this;
        }

        /** HTTP/1.1 (the default) or HTTP/2 to the servers. */
        public Builder protocol(ServerProtocol p) {
            protocol = p;
            return this;
        }

        public BackendConfig build() {
            return new BackendConfig(
                    name,
                    mode,
                    balance,
                    hash,
                    servers,
                    timeouts,
                    retries,
                    healthCheck,
                    passiveCheck,
                    slowStart,
                    sendProxy,
                    tls,
                    persistence,
                    rules,
                    protocol);
        }
    }
}
