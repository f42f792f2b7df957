package org.tandemlb.core.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;
import org.tandemlb.core.accesslog.AccessListener;
import org.tandemlb.core.accesslog.AccessLogEntry;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.proxyprotocol.ClientAddresses;
import org.tandemlb.core.tls.TlsSession;

/**
 * The timing of one {@link Exchange} and its one access-log entry: when it began, when the
 * backend granted it a server, when the server connection was ready, when the request went out
 * and when the response head came back. The first report wins; later ones (a client that goes
 * away after the response ended, say) are dropped.
 *
 * <p>On the client's event loop only.
 */
final class ExchangeLog {
    private final ClientSide side;
    private final HttpRequest request;
    /** The request's version as the client sent it (HTTP/2.0 for a stream; the rewrite makes it HTTP/1.1). */
    private final String clientVersion;

    private final long startNanos;
    private final long startMillis;
    private long grantedAt;
    private long connectedAt;
    private long sentAt;
    private long responseAt;
    private String serverName;
    private boolean logged;
    private String requestId;

    /**
     * @param startNanos  when the request began ({@link System#nanoTime()})
     * @param startMillis the same as wall-clock time, or 0 when nobody listens to the access log
     */
    ExchangeLog(ClientSide side, HttpRequest request, long startNanos, long startMillis) {
        this.side = side;
        this.request = request;
        this.clientVersion = request.protocolVersion().text();
        this.startNanos = startNanos;
        this.startMillis = startMillis;
    }

    /** The request's id ({@code request_id}), for the entry. */
    void requestId(String id) {
        requestId = id;
    }

    /** A connection to {@code server} is ready; the backend granted the server at {@code grantedNanos}. */
    void connected(String server, long grantedNanos) {
        serverName = server;
        grantedAt = grantedNanos;
        connectedAt = System.nanoTime();
    }

    /** The request head (and what was held of its body) went to the server. */
    void sent() {
        sentAt = System.nanoTime();
    }

    /** The response head came. */
    void responded() {
        responseAt = System.nanoTime();
    }

    /**
     * Reports the exchange to {@code listener} (when there is one), once. {@code status} as the
     * client saw it (0 when it saw none).
     */
    void report(AccessListener listener, Channel client, Backend backend, int status, String termination) {
        if (listener == null || logged) {
            return;
        }
        logged = true;
        long now = System.nanoTime();
        long queue = grantedAt > 0 ? grantedAt - startNanos : -1;
        long connect = connectedAt > 0 ? connectedAt - grantedAt : -1;
        long response = responseAt > 0 ? responseAt - sentAt : -1;
        ClientIdentity id = side.identity();
        TlsSession tls = id.tls();
        listener.ended(new AccessLogEntry(
                Mode.HTTP,
                startMillis,
                ClientAddresses.source(client),
                id.frontendName(),
                backend == null ? null : backend.name(),
                serverName,
                request.method().name(),
                request.uri(),
                status,
                side.takeBytesIn(),
                side.takeBytesOut(),
                queue,
                connect,
                response,
                now - startNanos,
                termination,
                clientVersion,
                tls == null ? null : tls.protocol(),
                tls == null ? null : tls.cipher(),
                requestId));
    }

    /**
     * Reports a request refused before it got an exchange to {@code listener} (when there is
     * one), from {@code side}'s client: {@code req} is null when its head could not be read,
     * {@code version} the version the client spoke (null when unknown).
     *
     * @param startNanos  when the request began ({@link System#nanoTime()})
     * @param startMillis the same as wall-clock time
     */
    static void refused(
            AccessListener listener,
            ClientSide side,
            HttpRequest req,
            String version,
            int status,
            String termination,
            long startNanos,
            long startMillis) {
        if (listener == null) {
            return;
        }
        ClientIdentity id = side.identity();
        TlsSession tls = id.tls();
        listener.ended(new AccessLogEntry(
                Mode.HTTP,
                startMillis,
                ClientAddresses.source(side.channel()),
                id.frontendName(),
                null,
                null,
                req == null ? null : req.method().name(),
                req == null ? null : req.uri(),
                status,
                side.takeBytesIn(),
                side.takeBytesOut(),
                -1,
                -1,
                -1,
                System.nanoTime() - startNanos,
                termination,
                version,
                tls == null ? null : tls.protocol(),
                tls == null ? null : tls.cipher(),
                null)); // refused before a request id was given
    }
}
