package org.tandemlb.core.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
import org.tandemlb.core.proxyprotocol.ClientAddresses;
import org.tandemlb.core.tls.TlsSession;

/**
 * An HTTP/1.1 client connection (HTTP/1.0 too): its state machine, from one request head to the
 * next. It reads requests, refuses the ones {@link RequestPolicy} refuses, asks the
 * {@link Router} for each one's backend and hands the request to an {@link Exchange}, for which it
 * is the {@link ClientSide}: the exchange writes the response through it, and this class frames it
 * for the wire, keeps the connection alive or closes it, and switches it to a tunnel after a 101.
 *
 * <p>One exchange is in flight at a time. Once a request has been read whole, the client is not
 * read until its response is done, so pipelined requests wait in the socket (or, for bytes
 * already decoded, in a short queue) and responses keep their order.
 *
 * <p>Timeouts, HAProxy's: {@code http_request} for the request head (408), {@code keep_alive}
 * between requests (silent close), {@code client} for inactivity while the request body arrives
 * (the exchange runs {@code server}). Refused here: 400 malformed, 431 oversized head, 414
 * oversized URI, 501 unsupported transfer coding, 405 {@code CONNECT}, 503 no backend; the
 * {@code redirect_https} frontends answer every valid request {@link HttpsRedirect 308}; the
 * exchange's own failures (502, 503, 504) come back through {@link #respondError}. Each closes
 * the connection.
 */
final class Http1Connection extends ChannelInboundHandlerAdapter implements ClientSide {
    private static final Logger log = LoggerFactory.getLogger(Http1Connection.class);

    private enum State {
        AWAIT_HEAD_IDLE,
        AWAIT_HEAD,
        EXCHANGE,
        TUNNEL,
        CLOSING
    }

    private final ProxyContext context;
    private final FrontendConfig frontend;
    private final Router router;
    private final HttpConnectionPool pool;
    private final String forwardedProto;
    /** The {@code Strict-Transport-Security} value of the frontend's {@code hsts}, or null. */
    private final AsciiString hsts;

    private final MessageEncoder responseEncoder = new MessageEncoder();
    /** Counts the bytes and keeps the current request's start (the pipeline's first handler). */
    private final ActivityTap tap;

    private Channel client;
    private InactivityTimer clientTimer;
    /** Flushes at the end of the event loop's batch of events (see DeferredFlush). */
    private DeferredFlush flusher;

    private State state = State.AWAIT_HEAD_IDLE;
    private Exchange exchange;
    private final ArrayDeque<Object> pending = new ArrayDeque<>();
    private boolean draining;
    /** Whether the request-head deadline runs for the head being read (see {@code channelReadComplete}). */
    private boolean headDeadlineArmed;
    /** The client's address: as text for X-Forwarded-For, as bytes for source balancing; once per connection. */
    private String clientAddress;

    private byte[] clientKey;
    /** The connection's TLS, or null in cleartext. */
    private TlsSession tls;
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
    Http1Connection(
            ProxyContext context,
            FrontendConfig frontend,
            Router router,
            HttpConnectionPool pool,
            String forwardedProto) {
        this.context = context;
        this.frontend = frontend;
        this.router = router;
        this.pool = pool;
        this.forwardedProto = forwardedProto;
        this.hsts = HttpsRedirect.strictTransportSecurity(frontend);
        this.tap = new ActivityTap(this, context.accessListener() != null);
    }

    /**
     * Sets up a client connection's pipeline: an activity tap (for timeouts), Netty's strict
     * HTTP/1.1 request decoder, Tandem's response encoder, and this handler. A TLS or
     * PROXY-protocol handler goes in front of all of them.
     */
    static void initClientPipeline(ChannelPipeline p, Http1Connection handler) {
        p.addLast("activity", handler.tap);
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
        InetSocketAddress isa = ClientAddresses.source(client); // the PROXY header's, with accept_proxy
        if (isa != null) {
            clientAddress = isa.getAddress() != null ? isa.getAddress().getHostAddress() : isa.getHostString();
        }
        clientKey = ConnectAttempt.clientKey(client);
        // Set up after the handshake (ALPN hands the connection over then): the session is final.
        tls = TlsSession.of(client);
        // A connection that sends nothing within http_request is closed without an answer (a
        // browser's pre-connect is not an error); once bytes came, the head must be whole in time.
        clientTimer.start(clientTimeouts().httpRequest(), headTimedOut);
        headDeadlineArmed = true;
    }

    /** A read from the client (see {@link ActivityTap}). */
    void clientActivity() {
        if (state == State.AWAIT_HEAD_IDLE) {
            state = State.AWAIT_HEAD;
            tap.markStart();
            // The deadline is armed at the end of this read if the head is not whole by then:
            // usually it is, and re-arming the timer for every request costs (see InactivityTimer).
            headDeadlineArmed = false;
        } else if (state == State.EXCHANGE) {
            clientTimer.touch(); // the head's deadline is not pushed back by a trickle (slowloris)
        }
    }

    /** Logs a request refused before it got an exchange ({@code req} null when not even its head came). */
    private void logRefused(HttpRequest req, int status, String termination) {
        tap.logRefused(context.accessListener(), client, frontend.name(), req, status, termination);
    }

    private void requestHeadTimedOut() {
        if (state == State.AWAIT_HEAD) {
            log.debug(
                    "{}: request head not complete within {}",
                    client,
                    clientTimeouts().httpRequest());
            logRefused(null, 408, "client_timeout");
            respondError(HttpResponseStatus.REQUEST_TIMEOUT, null);
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
        if (exchange != null && (exchange.requestComplete() || !pending.isEmpty())) {
            pending.add(msg); // a pipelined request: served once the current response is done
            updateRead();
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
            log.debug(
                    "{}: rejecting request: {}",
                    client,
                    req.decoderResult().isFailure()
                            ? req.decoderResult().cause().toString()
                            : invalid);
            logRefused(req.decoderResult().isFailure() ? null : req, invalid.code(), "bad_request");
            respondError(invalid, null);
            return;
        }
        if (frontend.redirectHttps()) {
            FullHttpResponse redirect = HttpsRedirect.of(req, frontend.redirectHttpsPort());
            logRefused(req, redirect == null ? 400 : 308, redirect == null ? "bad_request" : "redirect");
            answerAndClose(
                    redirect != null ? redirect : ErrorResponses.of(client.alloc(), HttpResponseStatus.BAD_REQUEST));
            return;
        }
        String backendName = router.backendFor(req);
        Backend backend = context.backend(backendName);
        state = State.EXCHANGE;
        clientTimer.start(clientTimeouts().client(), clientTimedOut);
        if (tap.startNanos() == 0) {
            tap.markStart(); // a pipelined request: it starts now
        }
        responseEncoder.nextResponseAnswersHead(req.method().equals(HttpMethod.HEAD));
        exchange = new Exchange(this, context, pool, backend, req, tap.startNanos(), tap.startMillis());
        tap.clearStart(); // the exchange has it: the next request starts afresh
        updateRead();
        if (backend == null) {
            respondError(HttpResponseStatus.SERVICE_UNAVAILABLE, "no_server");
            return;
        }
        exchange.start();
    }

    private void onRequestContent(HttpContent content) {
        Exchange ex = exchange;
        if (content.decoderResult().isFailure()) {
            // A bad chunk: what reached the server is a truncated request, which it drops with the connection.
            content.release();
            log.debug(
                    "{}: bad request body: {}",
                    client,
                    content.decoderResult().cause().toString());
            respondError(HttpResponseStatus.BAD_REQUEST, "bad_request");
            return;
        }
        if (ex.requestContent(content)) {
            clientTimer.stop();
        }
        updateRead();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Exchange ex = exchange;
        if (ex != null) {
            ex.flushRequest();
        }
        if (state == State.AWAIT_HEAD && !headDeadlineArmed) {
            // Part of a head came and the rest has not: it must be whole within http_request of
            // its first byte.
            headDeadlineArmed = true;
            long left = clientTimeouts().httpRequest().toNanos() - (System.nanoTime() - tap.startNanos());
            clientTimer.start(Math.max(0, left), headTimedOut);
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Exchange ex = exchange;
        if (ex != null) {
            ex.clientWritabilityChanged(client.isWritable());
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
    @Override
    public void updateRead() {
        boolean read;
        if (state == State.AWAIT_HEAD || state == State.AWAIT_HEAD_IDLE) {
            read = pending.isEmpty();
        } else if (state == State.EXCHANGE) {
            Exchange ex = exchange;
            if (ex == null) {
                read = false;
            } else if (ex.requestDone()) {
                read = pending.isEmpty();
            } else {
                read = pending.isEmpty() && ex.takesRequestBody();
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
        if (exchange != null && !exchange.responseStarted() && !exchange.requestComplete()) {
            respondError(HttpResponseStatus.REQUEST_TIMEOUT, "client_timeout");
        } else {
            abort("client_timeout");
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
                abort(null);
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        clientTimer.cancel();
        state = State.CLOSING;
        dropExchange(0, "client_abort");
        releasePending();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{}: {}", ctx.channel(), cause.toString());
        abort("client_abort");
    }

    /** Closes the client and drops the exchange, logging it as {@code termination} (null: no request). */
    @Override
    public void abort(String termination) {
        state = State.CLOSING;
        clientTimer.stop();
        dropExchange(0, termination);
        // What was written and waits for the deferred flush still goes out (a response that just
        // ended, before a drain closes the idle connection).
        Closing.afterWrites(client, clientTimeouts().client());
    }

    /**
     * Drops the current exchange, if any, logged as {@code termination} (null when the caller
     * logged already) with the status the client saw, or {@code status} when it saw none.
     */
    private void dropExchange(int status, String termination) {
        Exchange ex = exchange;
        if (ex != null) {
            exchange = null;
            if (termination != null) {
                ex.log(ex.statusOr(status), termination);
            }
            ex.abort();
        }
    }

    /** Closes once what was written has gone out (or the client timeout is over). */
    private void closeAfterWrites() {
        state = State.CLOSING;
        clientTimer.stop();
        releasePending();
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
    @Override
    public void respondError(HttpResponseStatus status, String termination) {
        boolean started = exchange != null && exchange.responseStarted();
        dropExchange(status.code(), termination);
        if (started || !client.isActive()) {
            closeAfterWrites(); // the part of the response already written, as far as it went
            return;
        }
        answerAndClose(ErrorResponses.of(client.alloc(), status));
    }

    /** Writes an answer of Tandem's own (which says {@code Connection: close}) and closes. */
    private void answerAndClose(FullHttpResponse response) {
        state = State.CLOSING;
        clientTimer.stop();
        releasePending();
        Closing.writeAndClose(client, response, clientTimeouts().client());
    }

    /** The response is done: the connection serves the next request, or closes. */
    @Override
    public void responseEnded(boolean keepClient) {
        exchange = null;
        if (!keepClient || draining) {
            closeAfterWrites();
            return;
        }
        flusher.flush(client);
        state = State.AWAIT_HEAD_IDLE;
        clientTimer.start(clientTimeouts().keepAlive(), closeClient);
        // Serve what was pipelined, in order, until an exchange is again waiting on a server.
        while (!pending.isEmpty() && (exchange == null || !exchange.requestComplete()) && state != State.CLOSING) {
            if (state == State.AWAIT_HEAD_IDLE) {
                state = State.AWAIT_HEAD;
                headDeadlineArmed = true;
                clientTimer.start(clientTimeouts().httpRequest(), headTimedOut);
            }
            handle(pending.poll());
        }
        if (state != State.CLOSING) {
            updateRead();
        }
    }

    // ---- ClientSide, for the exchange ----

    @Override
    public Channel channel() {
        return client;
    }

    @Override
    public DeferredFlush flusher() {
        return flusher;
    }

    @Override
    public byte[] clientKey() {
        return clientKey;
    }

    @Override
    public String clientAddress() {
        return clientAddress;
    }

    @Override
    public String forwardedProto() {
        return forwardedProto;
    }

    @Override
    public CharSequence strictTransportSecurity() {
        return hsts;
    }

    @Override
    public TlsSession tls() {
        return tls;
    }

    @Override
    public String frontendName() {
        return frontend.name();
    }

    @Override
    public long takeBytesIn() {
        return tap.takeBytesIn();
    }

    @Override
    public long takeBytesOut() {
        return tap.takeBytesOut();
    }

    @Override
    public boolean draining() {
        return draining;
    }

    @Override
    public void write(Object msg) {
        client.write(msg, client.voidPromise());
    }

    @Override
    public void flush() {
        flusher.flush(client);
    }

    @Override
    public boolean isWritable() {
        return client.isWritable();
    }

    /** Leaves HTTP: this connection's handlers go, and the rest of the connection is a {@link Tunnel}. */
    @Override
    public void upgraded(Channel server, String serverDecoder, Server slot, Duration idleTimeout) {
        client.writeAndFlush(Unpooled.EMPTY_BUFFER); // the 101 goes out before the tunnel's first bytes
        // This handler leaves the pipeline: its timer's wake-up too (the relays time the tunnel).
        clientTimer.cancel();
        state = State.TUNNEL;
        exchange = null;
        ChannelPipeline cp = client.pipeline();
        // The encoder goes first, so no relayed byte meets it.
        cp.remove("http-encoder");
        cp.remove("activity");
        cp.remove(this);
        releasePending();
        Tunnel.open(client, "http-decoder", server, serverDecoder, slot, idleTimeout, flusher);
    }
}
