package org.tandemlb.core.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The timeouts of a frontend or a backend, with HAProxy's meaning.
 *
 * <p>A frontend uses {@code client}, {@code http_request}, {@code keep_alive} and {@code drain};
 * a backend uses {@code connect}, {@code server}, {@code queue} and {@code tunnel}. Both carry the
 * whole set so that one {@code defaults} section can be inherited by either.
 *
 * @param connect     time to establish a connection to a server (then the next server is tried)
 * @param client      inactivity allowed on the client side while a request or a TCP session is open
 * @param server      inactivity allowed on the server side; in HTTP mode a server that does not
 *                    answer within it gets the client a 504
 * @param httpRequest time for a whole request head to arrive once its first byte has (408 after)
 * @param keepAlive   idle time allowed between two requests on a keep-alive connection, on both
 *                    sides (client connections, and pooled server connections)
 * @param tunnel      inactivity allowed in a tunnel after an HTTP upgrade (WebSocket)
 * @param queue       time a request may wait for a server slot when every server is at
 *                    {@code max_connections} (503 after)
 * @param drain       on shutdown, time given to in-flight requests before connections are closed
 */
public record Timeouts(
        Duration connect,
        Duration client,
        Duration server,
        Duration httpRequest,
        Duration keepAlive,
        Duration tunnel,
        Duration queue,
        Duration drain) {

    /** The defaults (docs/configuration.md): connect 5s, client 60s, server 60s, http_request 10s, keep_alive 60s, tunnel 1h, queue 5s, drain 30s. */
    public static final Timeouts DEFAULTS = new Timeouts(
            Duration.ofSeconds(5),
            Duration.ofSeconds(60),
            Duration.ofSeconds(60),
            Duration.ofSeconds(10),
            Duration.ofSeconds(60),
            Duration.ofHours(1),
            Duration.ofSeconds(5),
            Duration.ofSeconds(30));

    public Timeouts {
        connect = positive("connect", connect);
        client = positive("client", client);
        server = positive("server", server);
        httpRequest = positive("http_request", httpRequest);
        keepAlive = positive("keep_alive", keepAlive);
        tunnel = positive("tunnel", tunnel);
        queue = positive("queue", queue);
        drain = nonNegative("drain", drain);
    }

    private static Duration positive(String key, Duration d) {
        Objects.requireNonNull(d, key);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("timeout " + key + " must be positive, not " + d);
        }
        return d;
    }

    private static Duration nonNegative(String key, Duration d) {
        Objects.requireNonNull(d, key);
        if (d.isNegative()) {
            throw new IllegalArgumentException("timeout " + key + " must not be negative");
        }
        return d;
    }

    /** A builder starting from these values. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** A builder starting from {@link #DEFAULTS}. */
    public static Builder builder() {
        return new Builder(DEFAULTS);
    }

    /** Builds {@link Timeouts}; each setter replaces one value. */
    public static final class Builder {
        private Duration connect, client, server, httpRequest, keepAlive, tunnel, queue, drain;

        private Builder(Timeouts t) {
            connect = t.connect;
            client = t.client;
            server = t.server;
            httpRequest = t.httpRequest;
            keepAlive = t.keepAlive;
            tunnel = t.tunnel;
            queue = t.queue;
            drain = t.drain;
        }

        public Builder connect(Duration d) {
            connect = d;
            return this;
        }

        public Builder client(Duration d) {
            client = d;
            return this;
        }

        public Builder server(Duration d) {
            server = d;
            return this;
        }

        public Builder httpRequest(Duration d) {
            httpRequest = d;
            return this;
        }

        public Builder keepAlive(Duration d) {
            keepAlive = d;
            return this;
        }

        public Builder tunnel(Duration d) {
            tunnel = d;
            return this;
        }

        public Builder queue(Duration d) {
            queue = d;
            return this;
        }

        public Builder drain(Duration d) {
            drain = d;
            return this;
        }

        public Timeouts build() {
            return new Timeouts(connect, client, server, httpRequest, keepAlive, tunnel, queue, drain);
        }
    }
}
