package org.tandemlb.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.ServerProtocol;
import org.tandemlb.core.proxy.ConnectAttempt;
import org.tandemlb.core.proxy.DeferredFlush;
import org.tandemlb.core.proxy.HttpConnectionPool;
import org.tandemlb.core.proxy.ProxyContext;

/**
 * One request and its response, whatever protocol the client speaks: gets a server connection
 * (a pooled one on the client's event loop, or a new one, with the backend's retries; a
 * request is sent again once when a reused connection turns out closed: {@link Replay}),
 * streams the request body to it and the response back through the {@link ClientSide}, re-frames
 * the response for the client ({@link ResponseRelay}), fails through the client side (502
 * unreachable server or non-HTTP answer, 503 no server or queue timeout, 504 no answer within
 * the {@code server} timeout), times the exchange for its access-log entry ({@link ExchangeLog}),
 * and hands the server connection back to the pool when both messages ended cleanly. With a
 * {@code protocol: h2} backend the server side is a stream of a shared HTTP/2 connection
 * ({@link Http2Upstream}) that carries the same HTTP objects, and is never reused.
 *
 * <p>Every field is written by this class only; the client side reads the few it needs through
 * the methods below and tells the exchange what the client sent. Once the exchange is over
 * (answered, refused, aborted or tunnelled) late events from the server side are ignored.
 *
 * <p>On the client's event loop only.
 */
final class Exchange extends ConnectAttempt implements UpstreamHandler.Listener {
    private static final Logger log = LoggerFactory.getLogger(Exchange.class);

    private final ClientSide side;
    private final HttpConnectionPool pool;
    /** The backend speaks HTTP/2 to its servers: the exchange gets a stream ({@link Http2Upstream}). */
    private final boolean h2;

    private final DeferredFlush flusher;
    private final OutgoingRequest request;

    private final boolean headRequest;
    private final ResponseRelay response;
    private final ExchangeLog timing;
    /** The frontend's and backend's header rules and request id; null when they have none. */
    private final HeaderRules rules;

    /** The exchange is over for the client side: what the server side still reports is ignored. */
    private boolean over;

    /** The server side, while there is a server connection. */
    private ServerLeg upstream;
    /** The server switched protocols: what it sends after the 101 is tunnel bytes. */
    private boolean switching;

    /** The backend's cookie persistence, or null without it. */
    private final Sticky sticky;

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
        super(
                context,
                backend,
                side.channel(),
                BalanceKeys.of(backend, req, side.identity().key()));
        this.side = side;
        this.pool = pool;
        this.h2 = backend != null && backend.config().protocol() == ServerProtocol.H2;
        this.flusher = side.flusher();
        // Before the rewrite below: the persistence cookie as the client sent it.
        this.sticky = Sticky.of(backend, req);
        // Before the rewrite below, which makes the version HTTP/1.1.
        this.timing = new ExchangeLog(side, req, startNanos, startMillis);
        boolean http10Client = req.protocolVersion().equals(HttpVersion.HTTP_1_0);
        this.headRequest = req.method().equals(HttpMethod.HEAD);
        boolean expectsBody = HttpUtil.isTransferEncodingChunked(req) || HttpUtil.getContentLength(req, 0L) > 0;
        ClientIdentity id = side.identity();
        int flags = HeaderRewrite.request(req, id.address(), id.forwardedProto());
        // HTTP/2 has no Upgrade (RFC 9113 §8.6): to an h2 server the request goes as a plain one.
        boolean upgrade = (flags & HeaderRewrite.UPGRADE) != 0 && !h2;
        this.rules = HeaderRules.of(id, backend, req);
        if (rules != null) {
            timing.requestId(rules.requestId());
        }
        this.response = new ResponseRelay(
                side, headRequest, http10Client, (flags & HeaderRewrite.CLIENT_KEEP_ALIVE) != 0, upgrade, rules);
        this.request = new OutgoingRequest(req, expectsBody, upgrade);
    }

    // ---- what the client side reads ----

    /** The request's id ({@code request_id}), or null without one. */
    String requestId() {
        return rules == null ? null : rules.requestId();
    }

    /** Whether the request has been read whole. */
    boolean requestComplete() {
        return request.complete();
    }

    /** Whether the request needs no more reading ({@link OutgoingRequest#done}). */
    boolean requestDone() {
        return request.done();
    }

    /** Whether the response head has been sent to the client. */
    boolean responseStarted() {
        return response.started();
    }

    /** The status sent to the client, or {@code otherwise} when no response has started. */
    int statusOr(int otherwise) {
        return response.started() ? response.status() : otherwise;
    }

    /** Whether request body may be read now: a connected server takes it. */
    boolean takesRequestBody() {
        return upstream != null && !request.complete() && upstream.isWritable();
    }

    // ---- what the client sends ----

    /**
     * A piece of the request body (or its end, with trailers): forwarded to the server, or kept
     * until the server connection is ready.
     *
     * @return whether it was the last
     */
    boolean requestContent(HttpContent content) {
        boolean last = request.content(content, upstream);
        if (last && upstream != null) {
            upstream.flush(flusher);
            startServerTimer();
        }
        return last;
    }

    /** The client side's read ended: what was forwarded goes out with the event loop's batch. */
    void flushRequest() {
        if (upstream != null) {
            upstream.flush(flusher);
        }
    }

    /**
     * The client's writability changed: the server is read while the client takes more and,
     * until the response's head has come, whatever the client takes.
     */
    void clientWritabilityChanged(boolean writable) {
        if (upstream != null) {
            upstream.read(writable || !response.started());
        }
    }

    /**
     * Reports the exchange to the access listener (when there is one), once: the first report
     * wins. {@code status} as the client saw it (0 when it saw none).
     */
    void log(int status, String termination) {
        timing.report(context.accessListener(), client, backend, status, termination);
    }

    /** Drops the server side of this exchange (client gone, request refused, or an error answered). */
    void abort() {
        over = true;
        request.release();
        if (upstream != null) {
            upstream.drop();
            upstream = null;
        }
    }

    // ---- getting a server connection ----

    @Override
    protected boolean halfClosure() {
        return false;
    }

    @Override
    protected boolean clientGone() {
        return over || !client.isActive(); // an HTTP/2 stream's client is its connection
    }

    @Override
    protected String persistenceCookie() {
        return sticky == null ? null : sticky.requested();
    }

    @Override
    protected ChannelHandler initializer(Server s) {
        return ServerLeg.initializer(h2, s, pool, poolKey(s));
    }

    @Override
    protected Channel reuse(Server s) {
        // A replayed request goes on a new connection: the reused one just failed it.
        if (request.replayed()) {
            return null;
        }
        return ServerLeg.pooled(h2, pool, client.eventLoop(), poolKey(s));
    }

    @Override
    protected void connected(Server s, Channel connection, boolean wasReused) {
        Channel ch = ServerLeg.exchangeChannel(h2, connection, wasReused);
        if (ch == null) {
            s.release();
            failed(Failure.UNREACHABLE);
            return;
        }
        if (clientGone()) {
            s.release();
            ch.close();
            return;
        }
        timing.connected(s.name(), grantedNanos());
        upstream = new ServerLeg(s, ch, this, headRequest);
        if (rules != null) {
            rules.request(request.head(), s.name());
        }
        request.sendTo(upstream, wasReused);
        upstream.flush(flusher);
        timing.sent();
        // The response's head is read whatever the client takes now (an HTTP/2 client may open
        // its window only once it has the head, and HEADERS are not flow-controlled); its body
        // only while the client takes more.
        upstream.read(true);
        if (request.complete()) {
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
        upstream.startTimer(backend.config().timeouts().server(), this::serverTimedOut);
    }

    private void serverTimedOut() {
        if (over) {
            return;
        }
        log.debug(
                "{}: server {} did not answer within {}",
                client,
                upstream,
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
                    upstream,
                    resp.decoderResult().cause().toString());
            side.respondError(HttpResponseStatus.BAD_GATEWAY, "server_abort");
            return;
        }
        if (sticky != null && resp.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
            sticky.response(resp, upstream.server(), side.identity().tls() != null);
        }
        if (response.head(resp, request.complete())) {
            switching = response.started() && resp.status().code() == 101;
            if (response.started()) {
                timing.responded();
            }
        }
    }

    private void onResponseContent(HttpContent c) {
        if (c.decoderResult().isFailure()) {
            c.release();
            log.debug("{}: bad response body from {}", client, upstream);
            serverFailed();
            return;
        }
        switch (response.content(c)) {
            case MORE -> {
                if (!side.isWritable()) {
                    upstream.read(false);
                }
            }
            case SWITCHED -> switchToTunnel();
            case ENDED -> finish();
        }
    }

    @Override
    public void upstreamReadComplete() {
        // Once per read rather than per decoded message (a small response is three): the
        // activity is as recent, for a third of the clock reads.
        if (upstream != null) {
            upstream.touch();
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
        Channel ch = upstream.channel();
        upstream.closed();
        upstream = null;
        if (!response.started() && request.replayAfterClose()) {
            log.debug("{}: reused connection to backend {} closed before answering, retrying", client, backend.name());
            start();
            return;
        }
        request.release();
        log.debug("{}: server connection {} closed before the response ended", client, ch);
        serverFailed();
    }

    /** The server broke the response: 502, or, once the response started, the client is cut off. */
    private void serverFailed() {
        if (response.started()) {
            side.abort("server_abort");
        } else {
            side.respondError(HttpResponseStatus.BAD_GATEWAY, "server_abort");
        }
    }

    private void finish() {
        log(response.status(), "ok");
        over = true;
        request.release();
        upstream.end(
                response.serverKeepAlive() && request.complete(),
                backend.config().timeouts().keepAlive());
        upstream = null;
        side.responseEnded(response.clientKeepAlive());
    }

    /**
     * The server agreed to switch protocols: the server side leaves HTTP here, the client side in
     * {@link ClientSide#upgraded}, which opens the tunnel.
     */
    private void switchToTunnel() {
        log(101, "upgraded");
        over = true;
        request.release();
        ServerLeg up = upstream;
        upstream = null;
        Server s = up.leaveHttp();
        side.upgraded(up.channel(), "http", s, backend.config().timeouts().tunnel());
    }
}
