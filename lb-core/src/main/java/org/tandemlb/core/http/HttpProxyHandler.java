package org.tandemlb.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.accesslog.AccessListener;
import org.tandemlb.core.accesslog.AccessLogEntry;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.Timeouts;
import org.tandemlb.core.proxy.Closing;
import org.tandemlb.core.proxy.ConnectAttempt;
import org.tandemlb.core.proxy.DeferredFlush;
import org.tandemlb.core.proxy.Drain;
import org.tandemlb.core.proxy.HttpConnectionPool;
import org.tandemlb.core.proxy.InactivityTimer;
import org.tandemlb.core.proxy.ProxyContext;
import org.tandemlb.core.proxy.Tunnel;

/**
 * The {@code http} mode, one instance per client connection: reads requests, sends each to a
 * server chosen per request over a pooled keep-alive connection on the same event loop, and
 * streams both bodies with back-pressure.
 *
 * <p>One exchange is in flight at a time. Once a request has been read whole, the client is not
 * read until its response is done, so pipelined requests wait in the socket (or, for bytes
 * already decoded, in a short queue) and responses keep their order.
 *
 * <p>Timeouts, HAProxy's: {@code http_request} for the request head (408), {@code keep_alive}
 * between requests (silent close), {@code client} for inactivity while the request body arrives,
 * {@code server} for inactivity while the response is awaited and read (504 before any response
 * byte). Errors are answered as SPEC §4 says: 400 malformed, 431 oversized head, 414 oversized
 * URI, 501 unsupported transfer coding, 502 unreachable server or non-HTTP answer, 503 no server,
 * 504 server timeout; each closes the connection.
 */
public final class HttpProxyHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(HttpProxyHandler.class);

    private enum State { AWAIT_HEAD_IDLE, AWAIT_HEAD, EXCHANGE, TUNNEL, CLOSING }

    private final ProxyContext context;
    private final FrontendConfig frontend;
    private final Router router;
    private final HttpConnectionPool pool;
    private final String forwardedProto;
    private final MessageEncoder responseEncoder = new MessageEncoder();
    private Channel client;
    private InactivityTimer clientTimer;
    /** Flushes at the end of the event loop's batch of events (see DeferredFlush). */
    private DeferredFlush flusher;
    private State state = State.AWAIT_HEAD_IDLE;
    private Exchange exchange;
    private final ArrayDeque<Object> pending = new ArrayDeque<>();
    private boolean draining;
    private long bytesIn;
    private long bytesOut;
    private long bytesInLogged;
    private long bytesOutLogged;
    private long headStartNanos;
    private long headStartMillis;
    /** Whether the request-head deadline runs for the head being read (see {@link #channelReadComplete}). */
    private boolean headDeadlineArmed;
    /** The client's address: as text for X-Forwarded-For, as bytes for source balancing; once per connection. */
    private String clientAddress;
    private byte[] clientKey;
    // Timer actions, made once per connection rather than per request.
    private final Runnable headTimedOut = this::requestHeadTimedOut;
    private final Runnable clientTimedOut = this::clientTimedOut;
    private Runnable closeClient;

    /**
     * @param context  the shared proxy context
     * @param frontend the frontend the connection was accepted by
     * @param router   chooses each request's backend
     * @param pool     the pool of idle server connections
     * @param forwardedProto the value of {@code X-Forwarded-Proto}: {@code http} or {@code https}
     */
    public HttpProxyHandler(ProxyContext context, FrontendConfig frontend, Router router, HttpConnectionPool pool,
            String forwardedProto) {
        this.context = context;
        this.frontend = frontend;
        this.router = router;
        this.pool = pool;
        this.forwardedProto = forwardedProto;
    }

    /**
     * Sets up a client connection's pipeline: an activity tap (for timeouts), Netty's strict
     * HTTP/1.1 request decoder, Tandem's response encoder, and this handler. A TLS or
     * PROXY-protocol handler goes in front of all of them.
     */
    public static void initClientPipeline(ChannelPipeline p, HttpProxyHandler handler) {
        p.addLast("activity", handler.new ActivityTap());
        p.addLast("http-decoder", new HttpRequestDecoder(HttpLimits.REQUEST_DECODING));
        p.addLast("http-encoder", handler.responseEncoder);
        p.addLast("proxy", handler);
    }

    private Timeouts clientTimeouts() {
        return frontend.timeouts();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        client = ctx.channel();
        closeClient = client::close;
        clientTimer = new InactivityTimer(client.eventLoop());
        flusher = context.deferredFlush(client.eventLoop());
        if (client.remoteAddress() instanceof InetSocketAddress isa) {
            clientAddress = isa.getAddress() != null ? isa.getAddress().getHostAddress() : isa.getHostString();
        }
        clientKey = ConnectAttempt.clientKey(client);
        // A connection that sends nothing within http_request is closed without an answer (a
        // browser's pre-connect is not an error); once bytes came, the head must be whole in time.
        clientTimer.start(clientTimeouts().httpRequest(), headTimedOut);
        headDeadlineArmed = true;
    }

    /**
     * Sees every byte before the codec: counts the bytes both ways, and the first byte of a head
     * starts its deadline.
     */
    private final class ActivityTap extends io.netty.channel.ChannelDuplexHandler {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf buf) {
                bytesIn += buf.readableBytes();
            }
            if (state == State.AWAIT_HEAD_IDLE) {
                state = State.AWAIT_HEAD;
                markHeadStart();
                // The deadline is armed at the end of this read if the head is not whole by then:
                // usually it is, and re-arming the timer for every request costs (see InactivityTimer).
                headDeadlineArmed = false;
            } else if (state == State.EXCHANGE) {
                clientTimer.touch(); // the head's deadline is not pushed back by a trickle (slowloris)
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
            if (msg instanceof ByteBuf buf) {
                bytesOut += buf.readableBytes();
            }
            ctx.write(msg, promise);
        }
    }

    private void markHeadStart() {
        headStartNanos = System.nanoTime();
        if (context.accessListener() != null) {
            headStartMillis = System.currentTimeMillis();
        }
    }

    /**
     * Reports a request that ended to the access listener (when there is one): {@code ex} is null
     * for a request refused before it got an exchange, {@code req} null when not even its head came.
     */
    private void logRequest(HttpRequest req, Exchange ex, int status, String termination) {
        AccessListener listener = context.accessListener();
        if (listener == null || (ex != null && ex.logged)) {
            return;
        }
        long now = System.nanoTime();
        long start = headStartNanos != 0 ? headStartNanos : now;
        long startMillis = headStartMillis != 0 ? headStartMillis : System.currentTimeMillis();
        long queue = -1;
        long connect = -1;
        long response = -1;
        String backendName = null;
        String serverName = null;
        if (ex != null) {
            ex.logged = true;
            start = ex.startNanos;
            startMillis = ex.startMillis;
            backendName = ex.backend() == null ? null : ex.backend().name();
            serverName = ex.serverName;
            queue = ex.grantedAt > 0 ? ex.grantedAt - start : -1;
            connect = ex.connectedAt > 0 ? ex.connectedAt - ex.grantedAt : -1;
            response = ex.responseAt > 0 ? ex.responseAt - ex.sentAt : -1;
        }
        listener.ended(new AccessLogEntry(org.tandemlb.core.config.Mode.HTTP, startMillis,
                (InetSocketAddress) client.remoteAddress(), frontend.name(), backendName, serverName,
                req == null ? null : req.method().name(), req == null ? null : req.uri(), status,
                bytesIn - bytesInLogged, bytesOut - bytesOutLogged, queue, connect, response, now - start, termination));
        bytesInLogged = bytesIn;
        bytesOutLogged = bytesOut;
        headStartNanos = 0;
        headStartMillis = 0;
    }

    private void requestHeadTimedOut() {
        if (state == State.AWAIT_HEAD) {
            log.debug("{}: request head not complete within {}", client, clientTimeouts().httpRequest());
            logRequest(null, null, 408, "client_timeout");
            sendErrorAndClose(HttpResponseStatus.REQUEST_TIMEOUT, null);
        } else {
            client.close();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.CLOSING) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (exchange != null && (exchange.requestComplete || !pending.isEmpty())) {
            pending.add(msg); // a pipelined request: served once the current response is done
            updateClientRead();
            return;
        }
        handle(msg);
    }

    private void handle(Object msg) {
        if (msg instanceof HttpRequest req) {
            if (exchange != null) {
                ReferenceCountUtil.release(msg);
                return;
            }
            startExchange(req);
            if (msg instanceof HttpContent content) {
                onRequestContent(content);
            }
        } else if (msg instanceof HttpContent content) {
            if (exchange == null) {
                content.release(); // the rest of a request that was already answered
                return;
            }
            onRequestContent(content);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void startExchange(HttpRequest req) {
        HttpResponseStatus invalid = RequestPolicy.validate(req);
        if (invalid != null) {
            log.debug("{}: rejecting request: {}", client, req.decoderResult().isFailure()
                    ? req.decoderResult().cause().toString() : invalid);
            logRequest(req.decoderResult().isFailure() ? null : req, null, invalid.code(), "bad_request");
            sendErrorAndClose(invalid, null);
            return;
        }
        String backendName = router.backendFor(req);
        Backend backend = context.backend(backendName);
        state = State.EXCHANGE;
        clientTimer.start(clientTimeouts().client(), clientTimedOut);
        exchange = new Exchange(backend, req);
        updateClientRead();
        if (backend == null) {
            sendErrorAndClose(HttpResponseStatus.SERVICE_UNAVAILABLE, "no_server");
            return;
        }
        exchange.start();
    }

    private void onRequestContent(HttpContent content) {
        Exchange ex = exchange;
        if (content.decoderResult().isFailure()) {
            // A bad chunk: what reached the server is a truncated request, which it drops with the connection.
            content.release();
            log.debug("{}: bad request body: {}", client, content.decoderResult().cause().toString());
            sendErrorAndClose(HttpResponseStatus.BAD_REQUEST, "bad_request");
            return;
        }
        boolean last = content instanceof LastHttpContent;
        ex.bodyless &= !content.content().isReadable() && (!last || ((LastHttpContent) content).trailingHeaders().isEmpty());
        if (ex.upstream == null) {
            if (ex.buffered == null) {
                ex.buffered = new ArrayList<>(2);
            }
            ex.buffered.add(content);
        } else {
            ex.upstream.write(content, ex.upstream.voidPromise());
        }
        if (last) {
            ex.requestComplete = true;
            clientTimer.stop();
            if (ex.upstream != null) {
                flusher.flush(ex.upstream);
                ex.startServerTimer();
            }
        }
        updateClientRead();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Exchange ex = exchange;
        if (ex != null && ex.upstream != null) {
            flusher.flush(ex.upstream);
        }
        if (state == State.AWAIT_HEAD && !headDeadlineArmed) {
            // Part of a head came and the rest has not: it must be whole within http_request of
            // its first byte.
            headDeadlineArmed = true;
            long left = clientTimeouts().httpRequest().toNanos() - (System.nanoTime() - headStartNanos);
            clientTimer.start(Math.max(0, left), headTimedOut);
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Exchange ex = exchange;
        if (ex != null && ex.upstream != null) {
            ex.upstream.config().setAutoRead(client.isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * Reads from the client while waiting for a request head; while a request body is streamed to
     * a connected, writable server; and, once a request has been read whole (or has no body),
     * until something more arrives: that is the next request, which waits in {@link #pending}
     * (one read's worth at most) until the response is done.
     *
     * <p>Reading on after a request is HAProxy's way too, and it matters: switching reading off
     * and on for every request is two {@code epoll_ctl} calls per request on the client socket.
     * An upgrade request is the exception: what follows it belongs to the tunnel, not to HTTP.
     */
    private void updateClientRead() {
        boolean read;
        if (state == State.AWAIT_HEAD || state == State.AWAIT_HEAD_IDLE) {
            read = pending.isEmpty();
        } else if (state == State.EXCHANGE) {
            Exchange ex = exchange;
            if (ex == null) {
                read = false;
            } else if ((ex.requestComplete || !ex.expectsBody) && !ex.upgrade) {
                read = pending.isEmpty();
            } else {
                read = ex.upstream != null && !ex.requestComplete && pending.isEmpty() && ex.upstream.isWritable();
            }
        } else {
            read = false;
        }
        if (client.config().isAutoRead() != read) {
            client.config().setAutoRead(read);
        }
    }

    private void clientTimedOut() {
        log.debug("{}: client inactive for {}", client, clientTimeouts().client());
        if (exchange != null && !exchange.responseStarted && !exchange.requestComplete) {
            sendErrorAndClose(HttpResponseStatus.REQUEST_TIMEOUT, "client_timeout");
        } else {
            closeAll("client_timeout");
        }
    }

    /**
     * The frontend is shutting down: an idle connection closes now, a busy one after its response
     * (which then says {@code Connection: close}).
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == Drain.EVENT) {
            draining = true;
            if (state == State.AWAIT_HEAD_IDLE && pending.isEmpty()) {
                closeAll(null);
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        clientTimer.cancel();
        state = State.CLOSING;
        if (exchange != null) {
            Exchange ex = exchange;
            logRequest(ex.request, ex, ex.responseStarted ? ex.responseStatus : 0, "client_abort");
            ex.abortUpstream();
        }
        releasePending();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{}: {}", ctx.channel(), cause.toString());
        closeAll("client_abort");
    }

    /** Closes the client and drops the exchange, logging it as {@code termination} (null: no request). */
    private void closeAll(String termination) {
        state = State.CLOSING;
        clientTimer.stop();
        if (exchange != null) {
            Exchange ex = exchange;
            if (termination != null) {
                logRequest(ex.request, ex, ex.responseStarted ? ex.responseStatus : 0, termination);
            }
            ex.abortUpstream();
        }
        // What was written and waits for the deferred flush still goes out (a response that just
        // ended, before a drain closes the idle connection).
        Closing.afterWrites(client, clientTimeouts().client());
    }

    private void releasePending() {
        Object m;
        while ((m = pending.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
    }

    /**
     * Answers with an error of Tandem's own (or, once a response has started, just closes), and
     * logs the current exchange as {@code termination} (null when the caller logged already).
     */
    private void sendErrorAndClose(HttpResponseStatus status, String termination) {
        boolean started = exchange != null && exchange.responseStarted;
        if (exchange != null) {
            Exchange ex = exchange;
            if (termination != null) {
                logRequest(ex.request, ex, started ? ex.responseStatus : status.code(), termination);
            }
            ex.abortUpstream();
        }
        state = State.CLOSING;
        clientTimer.stop();
        releasePending();
        if (started || !client.isActive()) {
            // The part of the response already written, as far as it went.
            Closing.afterWrites(client, clientTimeouts().client());
            return;
        }
        Closing.writeAndClose(client, ErrorResponses.of(client.alloc(), status), clientTimeouts().client());
    }

    /** The response is done: the connection serves the next request, or closes. */
    private void exchangeDone(boolean keepClient) {
        exchange = null;
        if (!keepClient || draining) {
            state = State.CLOSING;
            clientTimer.stop();
            releasePending();
            Closing.afterWrites(client, clientTimeouts().client());
            return;
        }
        flusher.flush(client);
        state = State.AWAIT_HEAD_IDLE;
        clientTimer.start(clientTimeouts().keepAlive(), closeClient);
        // Serve what was pipelined, in order, until an exchange is again waiting on a server.
        while (!pending.isEmpty() && (exchange == null || !exchange.requestComplete) && state != State.CLOSING) {
            if (state == State.AWAIT_HEAD_IDLE) {
                state = State.AWAIT_HEAD;
                headDeadlineArmed = true;
                clientTimer.start(clientTimeouts().httpRequest(), headTimedOut);
            }
            handle(pending.poll());
        }
        if (state != State.CLOSING) {
            updateClientRead();
        }
    }

    /** One request and its response. */
    private final class Exchange extends ConnectAttempt implements UpstreamHandler.Listener {
        final HttpRequest request;
        final long startNanos;
        final long startMillis;
        long grantedAt;
        long connectedAt;
        long sentAt;
        long responseAt;
        int responseStatus;
        String serverName;
        boolean logged;
        private final boolean clientKeepAlive;
        private final boolean upgrade;
        /** Whether a body follows the head (a length above 0, or chunked framing). */
        final boolean expectsBody;
        private final boolean headRequest;
        private final boolean http10Client;
        /** Request content read before the server connection was ready; created when first needed. */
        List<HttpContent> buffered;
        boolean requestComplete;
        boolean responseStarted;
        boolean bodyless = true;
        private Server server;
        Channel upstream;
        private UpstreamHandler upstreamHandler;
        private boolean reused;
        private boolean replayed;
        private boolean informational;
        private boolean switching;
        private boolean serverKeepAlive = true;
        private boolean closeClientAfter;
        private InactivityTimer serverTimer;

        Exchange(Backend backend, HttpRequest req) {
            super(HttpProxyHandler.this.context, backend, HttpProxyHandler.this.client, clientKey);
            if (headStartNanos == 0) {
                markHeadStart(); // a pipelined request: it starts now
            }
            this.startNanos = headStartNanos;
            this.startMillis = headStartMillis;
            this.http10Client = req.protocolVersion().equals(HttpVersion.HTTP_1_0);
            this.headRequest = req.method().equals(HttpMethod.HEAD);
            responseEncoder.nextResponseAnswersHead(headRequest);
            this.expectsBody = HttpUtil.isTransferEncodingChunked(req) || HttpUtil.getContentLength(req, 0L) > 0;
            int flags = HeaderRewrite.request(req, clientAddress, forwardedProto);
            this.clientKeepAlive = (flags & HeaderRewrite.CLIENT_KEEP_ALIVE) != 0;
            this.upgrade = (flags & HeaderRewrite.UPGRADE) != 0;
            this.request = req;
        }

        // ---- getting a server connection ----

        @Override
        protected boolean halfClosure() {
            return false;
        }

        @Override
        protected ChannelHandler initializer(Server s) {
            return new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    // Tandem's own encoder and decoder (see MessageEncoder and ResponseDecoder for
                    // why), the pair that Netty's HttpClientCodec would otherwise be.
                    ResponseDecoder decoder = new ResponseDecoder();
                    ch.pipeline().addLast("http-encoder", new MessageEncoder());
                    ch.pipeline().addLast("http", decoder);
                    ch.pipeline().addLast("upstream", new UpstreamHandler(s, pool, decoder));
                }
            };
        }

        @Override
        protected Channel reuse(Server s) {
            return replayed ? null : pool.poll(client.eventLoop(), s);
        }

        @Override
        protected void connected(Server s, Channel ch, boolean wasReused) {
            if (exchange != this || !client.isActive()) {
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
            } else {
                if (buffered != null) {
                    for (HttpContent c : buffered) {
                        ch.write(c, ch.voidPromise());
                    }
                    buffered = null;
                }
            }
            flusher.flush(ch);
            sentAt = System.nanoTime();
            ch.config().setAutoRead(client.isWritable());
            if (requestComplete) {
                startServerTimer();
            }
            updateClientRead();
        }

        /** An idempotent request without a body may be sent again if a reused connection fails. */
        private boolean replayable() {
            return requestComplete && bodyless && RequestPolicy.idempotent(request.method()) && !upgrade;
        }

        @Override
        protected void failed(Failure failure) {
            if (exchange != this) {
                return;
            }
            log.debug("{}: {} for backend {}", client, failure, backend.name());
            sendErrorAndClose(failure == Failure.UNREACHABLE ? HttpResponseStatus.BAD_GATEWAY
                    : HttpResponseStatus.SERVICE_UNAVAILABLE, failure == Failure.UNREACHABLE ? "connect_failed"
                    : failure == Failure.QUEUE_TIMEOUT ? "queue_timeout" : "no_server");
        }

        void startServerTimer() {
            if (serverTimer != null && !serverTimer.running()) {
                serverTimer.start(backend.config().timeouts().server(), this::serverTimedOut);
            }
        }

        private void serverTimedOut() {
            if (exchange != this) {
                return;
            }
            log.debug("{}: server {} did not answer within {}", client, server, backend.config().timeouts().server());
            sendErrorAndClose(HttpResponseStatus.GATEWAY_TIMEOUT, "server_timeout");
        }

        // ---- the server's answer ----

        @Override
        public void upstreamRead(Object msg) {
            if (msg instanceof HttpResponse resp) {
                onResponseHead(resp);
                if (msg instanceof HttpContent c && exchange == this) {
                    onResponseContent(c);
                } else if (msg instanceof HttpContent c) {
                    c.release();
                }
            } else if (msg instanceof HttpContent c) {
                onResponseContent(c);
            } else if (msg instanceof ByteBuf b && switching) {
                client.write(b, client.voidPromise()); // tunnel bytes decoded in the same read as the 101
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        private void onResponseHead(HttpResponse resp) {
            if (resp.decoderResult().isFailure()) {
                log.debug("{}: invalid response from {}: {}", client, server, resp.decoderResult().cause().toString());
                sendErrorAndClose(HttpResponseStatus.BAD_GATEWAY, "server_abort");
                return;
            }
            int code = resp.status().code();
            if (code == 101) {
                if (!upgrade) {
                    sendErrorAndClose(HttpResponseStatus.BAD_GATEWAY, "server_abort");
                    return;
                }
                switching = true;
            } else if (resp.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                informational = true; // 100 Continue, 103 Early Hints: forwarded, the final answer follows
                client.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, resp.status(), resp.headers()), client.voidPromise());
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
                if (!clientKeepAlive || closeClientAfter || draining) {
                    h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                } else if (http10Client) {
                    h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                }
            }
            client.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, resp.status(), h), client.voidPromise());
        }

        private void onResponseContent(HttpContent c) {
            if (c.decoderResult().isFailure()) {
                c.release();
                log.debug("{}: bad response body from {}", client, server);
                if (responseStarted) {
                    closeAll("server_abort");
                } else {
                    sendErrorAndClose(HttpResponseStatus.BAD_GATEWAY, "server_abort");
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
                client.write(c, client.voidPromise());
                if (!client.isWritable()) {
                    upstream.config().setAutoRead(false);
                }
                return;
            }
            if (switching) {
                c.release();
                client.writeAndFlush(Unpooled.EMPTY_BUFFER);
                switchToTunnel();
                return;
            }
            client.write(c, client.voidPromise());
            finish();
        }

        @Override
        public void upstreamReadComplete() {
            // Once per read rather than per decoded message (a small response is three): the
            // activity is as recent, for a third of the clock reads.
            if (serverTimer != null) {
                serverTimer.touch();
            }
            flusher.flush(client);
        }

        @Override
        public void upstreamWritabilityChanged() {
            updateClientRead();
        }

        @Override
        public void upstreamClosed() {
            if (exchange != this) {
                return;
            }
            Channel ch = upstream;
            serverTimer.stop();
            releaseServer();
            upstream = null;
            if (!responseStarted && reused && replayable() && !replayed) {
                // The server closed an idle connection as we reused it: send again on a new one.
                log.debug("{}: reused connection to backend {} closed before answering, retrying", client, backend.name());
                replayed = true;
                start();
                return;
            }
            releaseBuffered();
            log.debug("{}: server connection {} closed before the response ended", client, ch);
            if (responseStarted) {
                closeAll("server_abort");
            } else {
                sendErrorAndClose(HttpResponseStatus.BAD_GATEWAY, "server_abort");
            }
        }

        private void finish() {
            logRequest(request, this, responseStatus, "ok");
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
            exchangeDone(clientKeepAlive && !closeClientAfter);
        }

        /** Replaces both HTTP pipelines by byte relays once the server agreed to switch protocols. */
        private void switchToTunnel() {
            logRequest(request, this, 101, "upgraded");
            // Both handlers leave their pipelines: their timers' wake-ups go too (the relays time the tunnel).
            serverTimer.cancel();
            clientTimer.cancel();
            releaseBuffered();
            Channel up = upstream;
            state = State.TUNNEL;
            exchange = null;
            Server s = server;
            server = null;
            ChannelPipeline cp = client.pipeline();
            ChannelPipeline up2 = up.pipeline();
            // Encoders go first, so no relayed byte meets an HTTP encoder.
            cp.remove("http-encoder");
            up2.remove("http-encoder");
            up2.remove(UpstreamHandler.class);
            cp.remove("activity");
            cp.remove(HttpProxyHandler.this);
            releasePending();
            Tunnel.open(client, "http-decoder", up, "http", s, backend.config().timeouts().tunnel(), flusher);
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

        /** Drops the server side of this exchange (client gone or request refused). */
        void abortUpstream() {
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
            if (exchange == this) {
                exchange = null;
            }
        }
    }
}
