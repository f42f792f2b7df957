package org.tandemlb.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.accesslog.AccessListener;
import org.tandemlb.core.accesslog.AccessLogEntry;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.proxy.ConnectAttempt;
import org.tandemlb.core.proxy.DeferredFlush;
import org.tandemlb.core.proxy.HttpConnectionPool;
import org.tandemlb.core.proxy.InactivityTimer;
import org.tandemlb.core.proxy.ProxyContext;
import org.tandemlb.core.proxyprotocol.ClientAddresses;
import org.tandemlb.core.tls.TlsSession;

/**
 * One request and its response, whatever protocol the client speaks: gets a server connection
 * (a pooled one on the client's event loop, or a new one, with the backend's retries; an
 * idempotent bodyless request is sent again once when a reused connection turns out closed),
 * streams the request body to it and the response back through the {@link ClientSide}, re-frames
 * the response for the client (chunked for a body that ends with the server's connection, none for
 * an HTTP/1.0 client, {@code Connection} as the client side will do), fails through the client
 * side (502 unreachable server or non-HTTP answer, 503 no server or queue timeout, 504 no answer
 * within the {@code server} timeout), times the exchange for its access-log entry, and hands the
 * server connection back to the pool when both messages ended cleanly.
 *
 * <p>Every field is written by this class only; the client side reads the few it needs through
 * the methods below and tells the exchange what the client sent. Once the exchange is over
 * (answered, refused, aborted or tunnelled) late events from the server side are ignored.
 *
 * <p>The re-framing speaks HTTP/1.1 ({@code Transfer-Encoding}, {@code Connection}), the
 * server side's language; a client side of another protocol drops those headers as
 * connection-specific (RFC 9113 §8.2.2), as Netty's HTTP/2 conversion does.
 *
 * <p>On the client's event loop only.
 */
final class Exchange extends ConnectAttempt implements UpstreamHandler.Listener {
    private static final Logger log = LoggerFactory.getLogger(Exchange.class);
    private static final AsciiString STRICT_TRANSPORT_SECURITY = AsciiString.cached("strict-transport-security");

    private final ClientSide side;
    private final HttpConnectionPool pool;
    private final DeferredFlush flusher;
    private final HttpRequest request;
    private final long startNanos;
    private final long startMillis;
    private final boolean clientKeepAlive;
    private final boolean upgrade;
    /** Whether a body follows the head (a length above 0, or chunked framing). */
    private final boolean expectsBody;

    private final boolean headRequest;
    private final boolean http10Client;
    /** The request's version as the client sent it, for the access log. */
    private final String clientVersion;

    private long grantedAt;
    private long connectedAt;
    private long sentAt;
    private long responseAt;
    private int responseStatus;
    private String serverName;
    private boolean logged;
    /** Request content read before the server connection was ready; created when first needed. */
    private List<HttpContent> buffered;

    private boolean requestComplete;
    private boolean responseStarted;
    private boolean bodyless = true;
    /** The exchange is over for the client side: what the server side still reports is ignored. */
    private boolean over;

    private Server server;
    private Channel upstream;
    private UpstreamHandler upstreamHandler;
    private boolean reused;
    private boolean replayed;
    private boolean informational;
    private boolean switching;
    private boolean serverKeepAlive = true;
    private boolean closeClientAfter;
    private InactivityTimer serverTimer;

    /**
     * Rewrites the request's head for the server ({@link HeaderRewrite}); {@link #start()} then
     * looks for a server.
     *
     * @param backend    the backend chosen for the request, or null (the client side answers 503)
     * @param startNanos when the request began ({@link System#nanoTime()}), for the access log
     * @param startMillis the same as wall-clock time, or 0 when nobody listens to the access log
     */
    Exchange(
            ClientSide side,
            ProxyContext context,
            HttpConnectionPool pool,
            Backend backend,
            HttpRequest req,
            long startNanos,
            long startMillis) {
        super(context, backend, side.channel(), side.clientKey());
        this.side = side;
        this.pool = pool;
        this.flusher = side.flusher();
        this.startNanos = startNanos;
        this.startMillis = startMillis;
        this.http10Client = req.protocolVersion().equals(HttpVersion.HTTP_1_0);
        // As the client spoke it (HTTP/2.0 for a stream): the rewrite below makes it HTTP/1.1.
        this.clientVersion = req.protocolVersion().text();
        this.headRequest = req.method().equals(HttpMethod.HEAD);
        this.expectsBody = HttpUtil.isTransferEncodingChunked(req) || HttpUtil.getContentLength(req, 0L) > 0;
        int flags = HeaderRewrite.request(req, side.clientAddress(), side.forwardedProto());
        this.clientKeepAlive = (flags & HeaderRewrite.CLIENT_KEEP_ALIVE) != 0;
        this.upgrade = (flags & HeaderRewrite.UPGRADE) != 0;
        this.request = req;
    }

    // ---- what the client side reads ----

    /** Whether the request has been read whole. */
    boolean requestComplete() {
        return requestComplete;
    }

    /**
     * Whether the request needs no more reading: it was read whole or announced no body, and it
     * is not an upgrade (what follows an upgrade is not HTTP).
     */
    boolean requestDone() {
        return (requestComplete || !expectsBody) && !upgrade;
    }

    /** Whether the response head has been sent to the client. */
    boolean responseStarted() {
        return responseStarted;
    }

    /** The status sent to the client, or {@code otherwise} when no response has started. */
    int statusOr(int otherwise) {
        return responseStarted ? responseStatus : otherwise;
    }

    /** Whether request body may be read now: a connected server takes it. */
    boolean takesRequestBody() {
        return upstream != null && !requestComplete && upstream.isWritable();
    }

    // ---- what the client sends ----

    /**
     * A piece of the request body (or its end, with trailers): forwarded to the server, or kept
     * until the server connection is ready.
     *
     * @return whether it was the last
     */
    boolean requestContent(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        bodyless &= !content.content().isReadable()
                && (!last || ((LastHttpContent) content).trailingHeaders().isEmpty());
        if (upstream == null) {
            if (buffered == null) {
                buffered = new ArrayList<>(2);
            }
            buffered.add(content);
        } else {
            upstream.write(content, upstream.voidPromise());
        }
        if (last) {
            requestComplete = true;
            if (upstream != null) {
                flusher.flush(upstream);
                startServerTimer();
            }
        }
        return last;
    }

    /** The client side's read ended: what was forwarded goes out with the event loop's batch. */
    void flushRequest() {
        if (upstream != null) {
            flusher.flush(upstream);
        }
    }

    /** The client's writability changed: the server is read only while the client takes more. */
    void clientWritabilityChanged(boolean writable) {
        if (upstream != null) {
            upstream.config().setAutoRead(writable);
        }
    }

    /**
     * Reports the exchange to the access listener (when there is one), once: the first report
     * wins. {@code status} as the client saw it (0 when it saw none).
     */
    void log(int status, String termination) {
        AccessListener listener = context.accessListener();
        if (listener == null || logged) {
            return;
        }
        logged = true;
        long now = System.nanoTime();
        long queue = grantedAt > 0 ? grantedAt - startNanos : -1;
        long connect = connectedAt > 0 ? connectedAt - grantedAt : -1;
        long response = responseAt > 0 ? responseAt - sentAt : -1;
        TlsSession tls = side.tls();
        listener.ended(new AccessLogEntry(
                Mode.HTTP,
                startMillis,
                ClientAddresses.source(client),
                side.frontendName(),
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
                tls == null ? null : tls.cipher()));
    }

    /** Drops the server side of this exchange (client gone, request refused, or an error answered). */
    void abort() {
        over = true;
        if (serverTimer != null) {
            serverTimer.stop();
        }
        releaseBuffered();
        releaseServer();
        if (upstream != null) {
            upstreamHandler.detach();
            upstream.close();
            upstream = null;
        }
    }

    // ---- getting a server connection ----

    @Override
    protected boolean halfClosure() {
        return false;
    }

    @Override
    protected ChannelHandler initializer(Server s) {
        return UpstreamHandler.initializer(s, pool, poolKey(s));
    }

    @Override
    protected Channel reuse(Server s) {
        if (replayed) {
            return null;
        }
        Channel ch;
        while ((ch = pool.poll(client.eventLoop(), poolKey(s))) != null) {
            // A reload that changed the backend's TLS closes the idle connections made before it,
            // with a task on this loop that may not have run yet: such a one is not reused.
            if (!ch.pipeline().get(UpstreamHandler.class).outdated()) {
                return ch;
            }
            ch.close();
        }
        return null;
    }

    @Override
    protected void connected(Server s, Channel ch, boolean wasReused) {
        if (over || !client.isActive()) {
            s.release();
            ch.close();
            return;
        }
        server = s;
        serverName = s.name();
        grantedAt = grantedNanos();
        connectedAt = System.nanoTime();
        upstream = ch;
        reused = wasReused;
        upstreamHandler = ch.pipeline().get(UpstreamHandler.class);
        upstreamHandler.attach(this);
        serverTimer = upstreamHandler.timer();
        upstreamHandler.responseDecoder().expectResponseToHead(headRequest);
        ch.write(request, ch.voidPromise());
        if (replayed) {
            // Only a complete request without a body is replayed: its head and an empty end.
            ch.write(LastHttpContent.EMPTY_LAST_CONTENT, ch.voidPromise());
        } else if (buffered != null) {
            for (HttpContent c : buffered) {
                ch.write(c, ch.voidPromise());
            }
            buffered = null;
        }
        flusher.flush(ch);
        sentAt = System.nanoTime();
        ch.config().setAutoRead(side.isWritable());
        if (requestComplete) {
            startServerTimer();
        }
        side.updateRead();
    }

    @Override
    protected void failed(Failure failure) {
        if (over) {
            return;
        }
        log.debug("{}: {} for backend {}", client, failure, backend.name());
        side.respondError(
                failure == Failure.UNREACHABLE
                        ? HttpResponseStatus.BAD_GATEWAY
                        : HttpResponseStatus.SERVICE_UNAVAILABLE,
                failure == Failure.UNREACHABLE
                        ? "connect_failed"
                        : failure == Failure.QUEUE_TIMEOUT ? "queue_timeout" : "no_server");
    }

    private void startServerTimer() {
        if (serverTimer != null && !serverTimer.running()) {
            serverTimer.start(backend.config().timeouts().server(), this::serverTimedOut);
        }
    }

    private void serverTimedOut() {
        if (over) {
            return;
        }
        log.debug(
                "{}: server {} did not answer within {}",
                client,
                server,
                backend.config().timeouts().server());
        side.respondError(HttpResponseStatus.GATEWAY_TIMEOUT, "server_timeout");
    }

    // ---- the server's answer ----

    @Override
    public void upstreamRead(Object msg) {
        if (msg instanceof HttpResponse resp) {
            onResponseHead(resp);
            if (msg instanceof HttpContent c && !over) {
                onResponseContent(c);
            } else if (msg instanceof HttpContent c) {
                c.release();
            }
        } else if (msg instanceof HttpContent c) {
            onResponseContent(c);
        } else if (msg instanceof ByteBuf b && switching) {
            side.write(b); // tunnel bytes decoded in the same read as the 101
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onResponseHead(HttpResponse resp) {
        if (resp.decoderResult().isFailure()) {
            log.debug(
                    "{}: invalid response from {}: {}",
                    client,
                    server,
                    resp.decoderResult().cause().toString());
            side.respondError(HttpResponseStatus.BAD_GATEWAY, "server_abort");
            return;
        }
        int code = resp.status().code();
        if (code == 101) {
            if (!upgrade) {
                side.respondError(HttpResponseStatus.BAD_GATEWAY, "server_abort");
                return;
            }
            switching = true;
        } else if (resp.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
            informational = true; // 100 Continue, 103 Early Hints: forwarded, the final answer follows
            side.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, resp.status(), resp.headers()));
            return;
        }
        responseStarted = true;
        responseStatus = code;
        responseAt = System.nanoTime();
        serverKeepAlive = (HeaderRewrite.response(resp, switching) & HeaderRewrite.SERVER_KEEP_ALIVE) != 0;
        HttpHeaders h = resp.headers();
        boolean emptyBody = headRequest || code == 204 || code == 304 || switching;
        boolean chunked = HttpUtil.isTransferEncodingChunked(resp);
        if (!emptyBody && !chunked && !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            // The body ends when the server closes: re-frame it for an HTTP/1.1 client.
            serverKeepAlive = false;
            if (http10Client) {
                closeClientAfter = true;
            } else {
                h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        } else if (chunked && http10Client) {
            h.remove(HttpHeaderNames.TRANSFER_ENCODING);
            closeClientAfter = true;
        }
        if (!requestComplete) {
            closeClientAfter = true; // answered before the request ended: the rest cannot be skipped safely
        }
        if (!switching) {
            if (!clientKeepAlive || closeClientAfter || side.draining()) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            } else if (http10Client) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
        }
        CharSequence sts = side.strictTransportSecurity();
        if (sts != null) {
            h.set(STRICT_TRANSPORT_SECURITY, sts);
        }
        side.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, resp.status(), h));
    }

    private void onResponseContent(HttpContent c) {
        if (c.decoderResult().isFailure()) {
            c.release();
            log.debug("{}: bad response body from {}", client, server);
            if (responseStarted) {
                side.abort("server_abort");
            } else {
                side.respondError(HttpResponseStatus.BAD_GATEWAY, "server_abort");
            }
            return;
        }
        if (informational) {
            c.release(); // the empty end of a 1xx response
            if (c instanceof LastHttpContent) {
                informational = false;
            }
            return;
        }
        if (!(c instanceof LastHttpContent)) {
            side.write(c);
            if (!side.isWritable()) {
                upstream.config().setAutoRead(false);
            }
            return;
        }
        if (switching) {
            c.release();
            switchToTunnel();
            return;
        }
        side.write(c);
        finish();
    }

    @Override
    public void upstreamReadComplete() {
        // Once per read rather than per decoded message (a small response is three): the
        // activity is as recent, for a third of the clock reads.
        if (serverTimer != null) {
            serverTimer.touch();
        }
        side.flush();
    }

    @Override
    public void upstreamWritabilityChanged() {
        side.updateRead();
    }

    @Override
    public void upstreamClosed() {
        if (over) {
            return;
        }
        Channel ch = upstream;
        serverTimer.stop();
        releaseServer();
        upstream = null;
        if (!responseStarted
                && reused
                && !replayed
                && requestComplete
                && bodyless
                && !upgrade
                && RequestPolicy.idempotent(request.method())) {
            // The server closed an idle connection as we reused it: an idempotent request without
            // a body is sent again on a new one.
            log.debug("{}: reused connection to backend {} closed before answering, retrying", client, backend.name());
            replayed = true;
            start();
            return;
        }
        releaseBuffered();
        log.debug("{}: server connection {} closed before the response ended", client, ch);
        if (responseStarted) {
            side.abort("server_abort");
        } else {
            side.respondError(HttpResponseStatus.BAD_GATEWAY, "server_abort");
        }
    }

    private void finish() {
        log(responseStatus, "ok");
        over = true;
        serverTimer.stop();
        releaseServer();
        releaseBuffered();
        Channel ch = upstream;
        upstream = null;
        if (serverKeepAlive && requestComplete && ch.isActive()) {
            upstreamHandler.park(backend.config().timeouts().keepAlive());
        } else {
            upstreamHandler.detach();
            ch.close();
        }
        side.responseEnded(clientKeepAlive && !closeClientAfter);
    }

    /**
     * The server agreed to switch protocols: the server side leaves HTTP here, the client side in
     * {@link ClientSide#upgraded}, which opens the tunnel.
     */
    private void switchToTunnel() {
        log(101, "upgraded");
        over = true;
        // The upstream handler leaves the pipeline, its timer's wake-up too (the relays time the tunnel).
        serverTimer.cancel();
        releaseBuffered();
        Channel up = upstream;
        upstream = null;
        Server s = server;
        server = null;
        // The encoder goes first, so no relayed byte meets it; the decoder stays until the relay is in.
        up.pipeline().remove("http-encoder");
        up.pipeline().remove(UpstreamHandler.class);
        side.upgraded(up, "http", s, backend.config().timeouts().tunnel());
    }

    private void releaseServer() {
        if (server != null) {
            server.release();
            server = null;
        }
    }

    private void releaseBuffered() {
        if (buffered != null) {
            for (HttpContent c : buffered) {
                c.release();
            }
            buffered = null;
        }
    }
}
