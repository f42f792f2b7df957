package org.tandemlb.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.proxy.ClientGuard;
import org.tandemlb.core.proxy.DeferredFlush;
import org.tandemlb.core.proxy.InactivityTimer;
import org.tandemlb.core.proxy.Refusal;

/**
 * One HTTP/2 stream from a client: the {@link ClientSide} of its one {@link Exchange}. Its
 * {@link Http2Connection} hands it the stream's frames and writes its frames to the codec; it
 * converts frames itself ({@link Http2Messages}) rather than through Netty's
 * {@code Http2StreamFrameToHttpObjectCodec}: a request head built once and checked for what
 * HTTP/1.1 would read differently, and the exchange's objects turned into frames where they are
 * written ({@link Http2ResponseFrames}).
 *
 * <p>Flow control runs end to end. Request body: the stream's frames are handled only while the
 * server connection takes more (as an HTTP/1.1 client is read); meanwhile they wait here, and
 * the stream's and the connection's window are given back only for what was handled, so a slow
 * server stops the client's stream at its window. Response body: the stream takes no more while
 * the client's window is spent (its frames wait in the codec's flow controller) or the connection
 * is full, and the exchange stops reading the server until it takes more again.
 *
 * <p>Refused here, each with a response that ends the stream (the connection goes on): 400 for a
 * malformed or ambiguous request (see {@link Http2Messages}, {@link RequestPolicy}), 405 for
 * {@code CONNECT} (extended CONNECT is not offered, so neither tunnels nor WebSocket run over
 * HTTP/2), 413, 414 and 431 past the frontend's {@code limits} ({@link RequestLimits}), 429 past
 * {@code limits.per_client}, 503 without a backend; on a {@code redirect_https} frontend every valid request is
 * answered {@link HttpsRedirect 308}. A request without the pseudo-header fields every request
 * needs ({@link Http2Messages#malformed}) is reset with PROTOCOL_ERROR and logged as a 400.
 * What the codec refuses never reaches it: a bad header block
 * (uppercase or connection-specific names, pseudo-header errors), a {@code content-length} that
 * disagrees with the DATA frames (the stream is reset: RST_STREAM PROTOCOL_ERROR from the codec,
 * or reset with the codec's error when a request turns out malformed midway),
 * an oversized header list (431). The access log counts the body bytes of a stream (header
 * blocks are compressed per connection and are not shared out).
 */
final class Http2Stream implements ClientSide {
    private static final Logger log = LoggerFactory.getLogger(Http2Stream.class);

    private final Http2Connection connection;
    private final Http2FrameStream stream;
    /** The client connection. */
    private final Channel channel;

    private InactivityTimer clientTimer;
    private Exchange exchange;
    private long startNanos;
    private long startMillis;
    private long bytesIn;
    /** Bytes of the request body so far, against {@code limits.max_body_size}. */
    private long bodyBytes;
    /** Writes the response as frames. */
    private final Http2ResponseFrames response;
    /** The client ended its side of the stream (END_STREAM read). */
    private boolean requestEnded;
    /** The stream's frames on their way in: handled as they come, or kept while it is not read. */
    private final Http2Inbound inbound = new Http2Inbound(this::handle);
    /**
     * What {@link #isWritable} said last (to the exchange, or here), to tell the exchange of a
     * change: a stream whose window was 0 from its start must be told when it opens.
     */
    private boolean writable = true;
    /** The codec closed the stream. */
    private boolean closed;

    Http2Stream(Http2Connection connection, Http2FrameStream stream) {
        this.connection = connection;
        this.stream = stream;
        this.channel = connection.channel();
        this.response = new Http2ResponseFrames(connection, stream);
        startNanos = System.nanoTime();
        if (connection.context.accessListener() != null) {
            startMillis = System.currentTimeMillis();
        }
    }

    /** The stream's frames on their way in. */
    Http2Inbound inbound() {
        return inbound;
    }

    private void handle(Http2StreamFrame frame) {
        if (frame instanceof Http2HeadersFrame headers) {
            onHeaders(headers);
        } else {
            Http2DataFrame data = (Http2DataFrame) frame;
            int window = data.initialFlowControlledBytes();
            onData(data);
            connection.consumed(stream, window);
        }
    }

    private void onHeaders(Http2HeadersFrame frame) {
        boolean end = frame.isEndStream();
        if (exchange == null && !response.ended()) {
            requestEnded = end;
            startExchange(frame.headers(), end);
        } else if (exchange != null && !requestEnded) {
            if (!end) {
                refuseBadRequest(null, HttpResponseStatus.BAD_REQUEST); // a second head: trailers end the stream
                return;
            }
            requestEnded = true;
            LastHttpContent trailers = Http2Messages.requestTrailers(frame.headers());
            if (trailers == null) {
                refuseBadRequest(null, HttpResponseStatus.BAD_REQUEST);
                return;
            }
            requestContent(trailers);
        }
    }

    private void onData(Http2DataFrame frame) {
        ByteBuf data = frame.content();
        bytesIn += data.readableBytes();
        boolean end = frame.isEndStream();
        if (exchange == null || requestEnded) {
            frame.release(); // the rest of a request that was answered already
            requestEnded |= end;
            return;
        }
        requestEnded = end;
        clientTimer.touch();
        bodyBytes += data.readableBytes();
        if (connection.frontend.limits().bodyTooLarge(bodyBytes)) {
            frame.release();
            respondError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "bad_request");
            return;
        }
        requestContent(end ? new DefaultLastHttpContent(data) : new DefaultHttpContent(data));
    }

    private void requestContent(HttpContent content) {
        if (exchange.requestContent(content)) {
            clientTimer.stop();
        }
        updateRead();
    }

    private void startExchange(Http2Headers headers, boolean end) {
        if (Http2Messages.malformed(headers)) {
            // RFC 9113 §8.1.1: a stream error, no response (HAProxy resets so too).
            log.debug("{}: HTTP/2 request on stream {} lacks a pseudo-header field: reset", channel, stream.id());
            logRefused(null, HttpResponseStatus.BAD_REQUEST.code(), "bad_request");
            ClientGuard.of(channel).refused(Refusal.BAD_REQUEST);
            connection.reset(stream, Http2Error.PROTOCOL_ERROR);
            return;
        }
        HttpRequest req = Http2Messages.request(headers, end);
        Admission.Decision d =
                Admission.of(req, connection.frontend, connection.router, identity(), channel.alloc(), channel);
        if (d.badRequest() != null) {
            refuseBadRequest(req, d.badRequest());
            return;
        }
        if (d.answer() != null) {
            // The stream ends with the answer; the connection goes on.
            if (d.refusal() != null) {
                ClientGuard.of(channel).refused(d.refusal());
            }
            logRefused(req, d.answer().status().code(), d.termination());
            write(ErrorPages.apply(d.answer(), identity(), null));
            flush();
            return;
        }
        Backend backend = connection.context.backend(Admission.backend(d, connection.router));
        exchange = new Exchange(this, connection.context, connection.pool, backend, req, startNanos, startMillis);
        if (backend == null) {
            respondError(HttpResponseStatus.SERVICE_UNAVAILABLE, "no_server");
            return;
        }
        if (end) {
            exchange.requestContent(LastHttpContent.EMPTY_LAST_CONTENT);
        } else {
            // The client's inactivity matters to a stream only while its request body is to come:
            // a request without one (most) schedules and cancels nothing.
            clientTimer = new InactivityTimer(channel.eventLoop());
            clientTimer.start(connection.frontend.timeouts().client(), this::clientTimedOut);
        }
        exchange.start();
        // After the start, which may have taken a pooled server connection already: reading is not
        // switched off and on again in the middle of this read.
        if (exchange != null) {
            updateRead();
        }
    }

    /** The end of the connection's read in which this stream read frames. */
    void readComplete() {
        inbound.readComplete();
        Exchange ex = exchange;
        if (ex != null) {
            ex.flushRequest();
        }
    }

    /** The connection's or the stream's window may have changed whether the stream takes more. */
    void writabilityChanged() {
        boolean was = writable;
        boolean w = isWritable();
        if (w != was) {
            Exchange ex = exchange;
            if (ex != null) {
                ex.clientWritabilityChanged(w);
            }
        }
    }

    private void clientTimedOut() {
        log.debug(
                "{}: HTTP/2 stream {} inactive for {}",
                channel,
                stream.id(),
                connection.frontend.timeouts().client());
        if (exchange != null && !exchange.responseStarted()) {
            respondError(HttpResponseStatus.REQUEST_TIMEOUT, "client_timeout");
        } else {
            abort("client_timeout");
        }
    }

    /** The codec closed the stream: both sides done, reset by either side, or the connection closed. */
    void closed() {
        closed = true;
        inbound.close();
        dropExchange(0, "client_abort");
    }

    /** A protocol error on the stream ({@code cause}); the connection resets the stream after this. */
    void failed(Throwable cause) {
        if (cause instanceof Http2Exception.StreamException) {
            dropExchange(400, "bad_request");
        } else {
            dropExchange(0, "client_abort");
        }
    }

    /** Resets the stream (RST_STREAM CANCEL) unless it is closed. */
    private void reset() {
        connection.reset(stream, Http2Error.CANCEL);
    }

    private void dropExchange(int status, String termination) {
        Exchange ex = exchange;
        if (ex != null) {
            exchange = null;
            if (clientTimer != null) {
                clientTimer.cancel();
            }
            if (termination != null) {
                ex.log(ex.statusOr(status), termination);
            }
            ex.abort();
        }
    }

    /**
     * Refuses a malformed or ambiguous request, its head ({@code req}, null when it could not be
     * converted) or its trailers (the exchange then is dropped): answers {@code status} and ends
     * the stream, logged as {@code bad_request}. Every such refusal of the stream passes here.
     */
    private void refuseBadRequest(HttpRequest req, HttpResponseStatus status) {
        log.debug("{}: refusing HTTP/2 request on stream {}: {}", channel, stream.id(), status);
        if (exchange == null) {
            logRefused(req, status.code(), "bad_request");
        }
        respondError(status, exchange == null ? null : "bad_request");
    }

    /** Logs a request refused before it got an exchange ({@code req} null when malformed). */
    private void logRefused(HttpRequest req, int status, String termination) {
        ExchangeLog.refused(
                connection.context.accessListener(),
                this,
                req,
                Http2Messages.HTTP_2.text(),
                status,
                termination,
                startNanos,
                startMillis);
    }

    // ---- ClientSide, for the exchange ----

    @Override
    public void respondError(HttpResponseStatus status, String termination) {
        Refusal refusal = Refusal.of(status); // every refusal of a stream passes here
        if (refusal != null) {
            ClientGuard.of(channel).refused(refusal);
        }
        boolean started = exchange != null && exchange.responseStarted();
        Exchange failed = exchange;
        dropExchange(status.code(), termination);
        if (started || response.ended() || closed || !channel.isActive()) {
            reset(); // the response was cut short
            return;
        }
        write(ErrorPages.apply(ErrorResponses.of(channel.alloc(), status), identity(), failed));
        flush();
    }

    @Override
    public void abort(String termination) {
        dropExchange(0, termination);
        reset();
    }

    @Override
    public void responseEnded(boolean keepAlive) {
        exchange = null;
        if (clientTimer != null) {
            clientTimer.cancel();
        }
        flush();
    }

    @Override
    public void upgraded(Channel server, String serverDecoder, Server slot, Duration idleTimeout) {
        // Unreachable: Connection and Upgrade are refused in HTTP/2 requests, so no 101 is asked for.
        slot.release();
        server.close();
        abort("server_abort");
    }

    @Override
    public void write(Object msg) {
        response.write(msg, requestEnded);
    }

    /** The client connection: the stream's event loop and liveness are its. */
    @Override
    public Channel channel() {
        return channel;
    }

    /** Whether the connection and the stream's flow-control window take more now. */
    @Override
    public boolean isWritable() {
        writable = !closed && connection.isWritable(stream);
        return writable;
    }

    @Override
    public DeferredFlush flusher() {
        return connection.flusher();
    }

    @Override
    public ClientIdentity identity() {
        return connection.identity();
    }

    @Override
    public long takeBytesIn() {
        long n = bytesIn;
        bytesIn = 0;
        return n;
    }

    @Override
    public long takeBytesOut() {
        return response.takeBytesOut();
    }

    @Override
    public boolean draining() {
        return connection.draining();
    }

    /**
     * Reads the stream while no exchange reads it yet (its head), once the request has been read
     * whole, and while the server connection takes more of its body.
     */
    @Override
    public void updateRead() {
        Exchange ex = exchange;
        boolean read = ex == null || ex.requestDone() || ex.takesRequestBody();
        if (inbound.reading(read)) {
            // Outside the connection's read (the server took more), whose end would flush them:
            // the request body and the WINDOW_UPDATE frames for what was handled.
            Exchange now = exchange;
            if (now != null) {
                now.flushRequest();
            }
            flush();
        }
    }
}
