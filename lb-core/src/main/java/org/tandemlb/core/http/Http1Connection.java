package org.tandemlb.core.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.Timeouts;
import org.tandemlb.core.proxy.DeferredFlush;
import org.tandemlb.core.proxy.Drain;
import org.tandemlb.core.proxy.HttpConnectionPool;
import org.tandemlb.core.proxy.ProxyContext;
import org.tandemlb.core.proxy.Refusal;
import org.tandemlb.core.proxy.Tunnel;

/**
 * An HTTP/1.1 client connection (HTTP/1.0 too): its state machine, from one request head to the
 * next. It reads requests, which {@link Http1Requests} admits or refuses and hands to an
 * {@link Exchange}, for which this class is the {@link ClientSide}: the exchange writes the
 * response through it, and this class frames it for the wire, keeps the connection alive or
 * closes it ({@link Http1Answers}), and switches it to a tunnel after a 101.
 *
 * <p>One exchange is in flight at a time. Once a request has been read whole, the client is not
 * read until its response is done, so pipelined requests wait in the socket (or, for bytes
 * already decoded, in a short queue: {@link Http1Reading}) and responses keep their order.
 *
 * <p>Timeouts, HAProxy's: {@code http_request} for the request head (408), {@code keep_alive}
 * between requests (silent close), {@code client} for inactivity while the request body arrives
 * (the exchange runs {@code server}). Refused here: 400 malformed, 431 oversized head, 414
 * oversized URI, 413 oversized body (the frontend's {@code limits}, {@link RequestLimits}), 429
 * past {@code limits.per_client}, 501 unsupported transfer coding, 405 {@code CONNECT}, 503 no
 * backend; each refusal is counted by its status ({@link Refusal}), a route's denial as
 * {@code denied} whatever its status; the
 * {@code redirect_https} frontends answer every valid request {@link HttpsRedirect 308}; the
 * exchange's own failures (502, 503, 504) come back through {@link #respondError}. Each closes
 * the connection ({@link Http1Answers}).
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

    private final MessageEncoder responseEncoder = new MessageEncoder();
    /** Counts the bytes and keeps the current request's start (the pipeline's first handler). */
    private final ActivityTap tap;

    private Channel client;
    private ClientDeadlines deadlines;
    /** Flushes at the end of the event loop's batch of events (see DeferredFlush). */
    private DeferredFlush flusher;

    private State state = State.AWAIT_HEAD_IDLE;
    private Exchange exchange;
    private final Http1Reading reading = new Http1Reading();
    private boolean draining;

    private ClientIdentity identity;
    /** Answers of Tandem's own, and closing. */
    private Http1Answers answers;
    /** Turns what the decoder read into exchanges. */
    private Http1Requests requests;

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
        this.tap = new ActivityTap(this, context.accessListener());
    }

    /** Sets up a client connection's pipeline ({@link Http1Pipeline}) for {@code handler}. */
    static void initClientPipeline(ChannelPipeline p, Http1Connection handler) {
        Http1Pipeline.init(
                p, RequestLimits.decoding(handler.frontend.limits()), handler.tap, handler.responseEncoder, handler);
    }

    private Timeouts clientTimeouts() {
        return deadlines.timeouts();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        client = ctx.channel();
        // The timer actions are made once per connection rather than per request.
        deadlines = new ClientDeadlines(
                client.eventLoop(),
                frontend.timeouts(),
                this::requestHeadTimedOut,
                this::clientTimedOut,
                client::close,
                frontend.limits(),
                this::bodyTooSlow);
        flusher = context.deferredFlush(client.eventLoop());
        identity = ClientIdentity.of(client, frontend, forwardedProto);
        answers = new Http1Answers(client, identity, tap, deadlines, reading);
        requests = new Http1Requests(this, context, frontend, router, identity);
        deadlines.awaitHead();
    }

    /** A read from the client (see {@link ActivityTap}). */
    void clientActivity() {
        if (state == State.AWAIT_HEAD_IDLE) {
            state = State.AWAIT_HEAD;
            tap.markStart();
            deadlines.headStarted();
        } else if (state == State.EXCHANGE) {
            deadlines.touch();
        }
    }

    private void requestHeadTimedOut() {
        if (state == State.AWAIT_HEAD) {
            log.debug(
                    "{}: request head not complete within {}",
                    client,
                    clientTimeouts().httpRequest());
            refuse(
                    null,
                    ErrorResponses.of(client.alloc(), HttpResponseStatus.REQUEST_TIMEOUT),
                    "client_timeout",
                    Refusal.TIMEOUT);
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
        if (reading.holds(exchange, msg)) {
            updateRead(); // a pipelined request: served once the current response is done
            return;
        }
        requests.handle(msg);
    }

    /** The exchange in flight, or null. */
    Exchange exchange() {
        return exchange;
    }

    /**
     * Request {@code req} was admitted: its exchange, with {@code backend} (null: none, the caller
     * answers 503), is the connection's until its response ends.
     */
    Exchange exchangeFor(HttpRequest req, Backend backend) {
        state = State.EXCHANGE;
        deadlines.awaitBody();
        if (tap.startNanos() == 0) {
            tap.markStart(); // a pipelined request: it starts now
        }
        responseEncoder.nextResponseAnswersHead(req.method().equals(HttpMethod.HEAD));
        exchange = new Exchange(this, context, pool, backend, req, tap.startNanos(), tap.startMillis());
        tap.clearStart(); // the exchange has it: the next request starts afresh
        updateRead();
        return exchange;
    }

    /** {@code bytes} of the current request's body were read ({@code limits.min_body_rate}). */
    void bodyReceived(long bytes) {
        deadlines.bodyReceived(bytes);
    }

    /** A request is refused before it got an exchange ({@link Http1Answers#refuse}). */
    void refuse(HttpRequest req, FullHttpResponse answer, String termination, Refusal refusal) {
        state = State.CLOSING;
        answers.refuse(req, answer, termination, refusal);
    }

    /** The request was read whole: the client timeout no longer runs (the server timeout does). */
    void requestEnded() {
        deadlines.stop();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Exchange ex = exchange;
        if (ex != null) {
            ex.flushRequest();
        }
        if (state == State.AWAIT_HEAD) {
            deadlines.headIncomplete(tap.startNanos());
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

    /** Reads the client or not ({@link Http1Reading}). */
    @Override
    public void updateRead() {
        reading.update(
                client,
                state == State.AWAIT_HEAD || state == State.AWAIT_HEAD_IDLE,
                state == State.EXCHANGE ? exchange : null);
        deadlines.reading(client.config().isAutoRead());
    }

    private void clientTimedOut() {
        log.debug("{}: client inactive for {}", client, clientTimeouts().client());
        clientTooSlow();
    }

    private void bodyTooSlow() {
        log.debug(
                "{}: request body slower than {} bytes a second",
                client,
                frontend.limits().minBodyRate());
        clientTooSlow();
    }

    /** 408 while the request is not read whole and no response started; else a close. */
    private void clientTooSlow() {
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
            if (state == State.AWAIT_HEAD_IDLE && reading.isEmpty()) {
                abort(null);
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        deadlines.cancel();
        state = State.CLOSING;
        dropExchange(0, "client_abort");
        reading.release();
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
        dropExchange(0, termination);
        answers.abort();
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

    /**
     * Answers with an error of Tandem's own (or, once a response has started, just closes), and
     * logs the current exchange as {@code termination} (null when the caller logged already).
     */
    @Override
    public void respondError(HttpResponseStatus status, String termination) {
        Exchange failed = exchange;
        boolean started = failed != null && failed.responseStarted();
        dropExchange(status.code(), termination);
        state = State.CLOSING;
        answers.failed(status, failed, started);
    }

    /** The response is done: the connection serves the next request, or closes. */
    @Override
    public void responseEnded(boolean keepClient) {
        Exchange ended = exchange;
        exchange = null;
        if (!keepClient || draining) {
            state = State.CLOSING;
            if (ended != null && !ended.requestComplete()) {
                answers.linger(); // answered before its request ended
            } else {
                answers.close();
            }
            return;
        }
        flusher.flush(client);
        state = State.AWAIT_HEAD_IDLE;
        deadlines.idle();
        // Serve what was pipelined, in order, until an exchange is again waiting on a server.
        while (!reading.isEmpty() && (exchange == null || !exchange.requestComplete()) && state != State.CLOSING) {
            if (state == State.AWAIT_HEAD_IDLE) {
                state = State.AWAIT_HEAD;
                deadlines.awaitHead();
            }
            requests.handle(reading.next());
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
    public ClientIdentity identity() {
        return identity;
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

    /** Leaves HTTP: this connection's handlers go, and the rest of the connection is a {@link Tunnel}. */
    @Override
    public void upgraded(Channel server, String serverDecoder, Server slot, Duration idleTimeout) {
        // This handler leaves the pipeline: its timer's wake-up too (the relays time the tunnel).
        deadlines.cancel();
        state = State.TUNNEL;
        exchange = null;
        reading.release();
        Http1Pipeline.toTunnel(client, this, server, serverDecoder, slot, idleTimeout, flusher);
    }
}
