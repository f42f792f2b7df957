package org.tandemlb.core.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The active health check of a backend's servers, with HAProxy's defaults.
 *
 * @param type          {@code tcp}, {@code http}, {@code mysql} or {@code grpc}
 * @param interval      time between two checks of a server (default 2s, HAProxy's {@code inter})
 * @param timeout       time a check may take (default: the interval)
 * @param rise          consecutive successes that bring a down server up (default 2)
 * @param fall          consecutive failures that take an up server down (default 3)
 * @param fastInterval  interval while a server is between states (default: the interval)
 * @param downInterval  interval while a server is down (default: the interval)
 * @param method        http: the request method (default GET)
 * @param path          http: the request path (default {@code /})
 * @param host          http: the Host header (default: the server's address)
 * @param expectStatus  http: the accepted status codes (default 200-399)
 * @param expectBody    http: a substring the body must contain, or null
 * @param user          mysql: a password-less user to log in with, or null to only read the greeting
 * @param sendProxy     a PROXY protocol header written first on each check connection, for servers
 *                      that require one (HAProxy's {@code check-send-proxy}): v1 with the check
 *                      connection's own addresses, v2 as a {@code LOCAL} command (default none)
 * @param service       grpc: the service asked about ({@code grpc.health.v1.Health/Check}'s
 *                      {@code service}; default empty, the server as a whole)
 */
public record HealthCheckConfig(
        Type type,
        Duration interval,
        Duration timeout,
        int rise,
        int fall,
        Duration fastInterval,
        Duration downInterval,
        String method,
        String path,
        String host,
        StatusRange expectStatus,
        String expectBody,
        String user,
        SendProxy sendProxy,
        String service) {

    /** The kinds of active check. */
    public enum Type {
        /** A TCP connect within the timeout. */
        TCP,
        /** An HTTP request whose status is in the expected range. */
        HTTP,
        /** A MySQL/MariaDB greeting, and a login with {@code user} when set. */
        MYSQL,
        /**
         * A gRPC health check ({@code grpc.health.v1.Health/Check} for {@code service}) over
         * HTTP/2, h2c or h2 over the backend's TLS, which passes when the answer is SERVING.
         */
        GRPC;

        /** The name used in the config file. */
        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * An inclusive range of HTTP status codes, written {@code 200-399} or {@code 200}.
     *
     * @param from lowest accepted code
     * @param to   highest accepted code
     */
    public record StatusRange(int from, int to) {
        public StatusRange {
            if (from < 100 || to > 599 || from > to) {
                throw new IllegalArgumentException("status range " + from + "-" + to + " is not within 100-599");
            }
        }

        /** Parses {@code 200-399} or {@code 204}. */
        public static StatusRange parse(String text) {
            String s = text.trim();
            int dash = s.indexOf('-');
            try {
                if (dash < 0) {
                    int code = Integer.parseInt(s);
                    return new StatusRange(code, code);
                }
                return new StatusRange(
                        Integer.parseInt(s.substring(0, dash).trim()),
                        Integer.parseInt(s.substring(dash + 1).trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not a status range like 200-399");
            }
        }

        /** Whether {@code status} is within the range. */
        public boolean contains(int status) {
            return status >= from && status <= to;
        }

        @Override
        public String toString() {
            return from == to ? Integer.toString(from) : from + "-" + to;
        }
    }

    /** The default check: {@code tcp} every 2s, rise 2, fall 3. */
    public static final HealthCheckConfig DEFAULT_TCP = builder(Type.TCP).build();

    public HealthCheckConfig {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(interval, "interval");
        positive("interval", interval);
        timeout = timeout == null ? interval : positive("timeout", timeout);
        fastInterval = fastInterval == null ? interval : positive("fast_interval", fastInterval);
        downInterval = downInterval == null ? interval : positive("down_interval", downInterval);
        if (rise < 1 || fall < 1) {
            throw new IllegalArgumentException("rise and fall must be at least 1");
        }
        method = method == null ? "GET" : method;
        path = path == null ? "/" : path;
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path '" + path + "' must start with /");
        }
        expectStatus = expectStatus == null ? new StatusRange(200, 399) : expectStatus;
        sendProxy = sendProxy == null ? SendProxy.NONE : sendProxy;
        service = service == null ? "" : service;
    }

    private static Duration positive(String key, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(key + " must be positive");
        }
        return d;
    }

    /** A builder for a check of this type with the defaults. */
    public static Builder builder(Type type) {
        return new Builder(type);
    }

    /** Builds {@link HealthCheckConfig}; unset values take their defaults. */
    public static final class Builder {
        private final Type type;
        private Duration interval = Duration.ofSeconds(2);
        private Duration timeout;
        private int rise = 2;
        private int fall = 3;
        private Duration fastInterval;
        private Duration downInterval;
        private String method;
        private String path;
        private String host;
        private StatusRange expectStatus;
        private String expectBody;
        private String user;
        private SendProxy sendProxy;
        private String service;

        private Builder(Type type) {
            this.type = type;
        }

        public Builder interval(Duration d) {
            interval = d;
            return this;
        }

        public Builder timeout(Duration d) {
            timeout = d;
            return this;
        }

        public Builder rise(int n) {
            rise = n;
            return this;
        }

        public Builder fall(int n) {
            fall = n;
            return this;
        }

        public Builder fastInterval(Duration d) {
            fastInterval = d;
            return this;
        }

        public Builder downInterval(Duration d) {
            downInterval = d;
            return this;
        }

        public Builder method(String m) {
            method = m;
            return this;
        }

        public Builder path(String p) {
            path = p;
            return this;
        }

        public Builder host(String h) {
            host = h;
            return this;
        }

        public Builder expectStatus(StatusRange r) {
            expectStatus = r;
            return this;
        }

        public Builder expectBody(String b) {
            expectBody = b;
            return this;
        }

        public Builder user(String u) {
            user = u;
            return this;
        }

        public Builder sendProxy(SendProxy s) {
            sendProxy = s;
            return this;
        }

        /** grpc: the service asked about (default empty: the server as a whole). */
        public Builder service(String name) {
            service = name;
            return this;
        }

        public HealthCheckConfig build() {
            return new HealthCheckConfig(
                    type,
                    interval,
                    timeout,
                    rise,
                    fall,
                    fastInterval,
                    downInterval,
                    method,
                    path,
                    host,
                    expectStatus,
                    expectBody,
                    user,
                    sendProxy,
                    service);
        }
    }
}
