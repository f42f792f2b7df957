package org.tandemlb.core.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import java.time.Duration;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.proxy.DeferredFlush;
import org.tandemlb.core.proxy.HttpConnectionPool;
import org.tandemlb.core.proxy.InactivityTimer;

/**
 * The server side of an {@link Exchange} while it has a server connection: the connection (or,
 * to an {@code h2} backend, the stream) and its {@link UpstreamHandler}, the server's slot, and the
 * {@code server} timeout; and how such a connection is had, pooled or new, HTTP/1.1 or HTTP/2
 * ({@link Http2Upstream}). It is made once the connection is ready and ends one of four ways: the
 * exchange ended cleanly ({@link #end}: parked for reuse, or closed), it was dropped
 * ({@link #drop}), the server closed ({@link #closed}), or the server switched protocols
 * ({@link #leaveHttp}: the connection and the slot go to the tunnel).
 *
 * <p>On the client's event loop only.
 */
final class ServerLeg {
    private final Channel channel;
    private final UpstreamHandler handler;
    private final InactivityTimer timer;
    /** The server whose slot this leg holds, until it is released or handed to a tunnel. */
    private Server server;

    /**
     * Takes {@code channel} for an exchange, which hears of the server through {@code listener}.
     *
     * @param answersHead whether the request is a {@code HEAD} (the response then has no body)
     */
    ServerLeg(Server server, Channel channel, UpstreamHandler.Listener listener, boolean answersHead) {
        this.server = server;
        this.channel = channel;
        this.handler = channel.pipeline().get(UpstreamHandler.class);
        handler.attach(listener);
        this.timer = handler.timer();
        handler.expectResponseToHead(answersHead);
    }

    /** How a new connection to server {@code s} is set up, HTTP/1.1 or ({@code h2}) HTTP/2. */
    static ChannelHandler initializer(boolean h2, Server s, HttpConnectionPool pool, Object poolKey) {
        return h2 ? Http2Upstream.initializer(s, pool, poolKey) : UpstreamHandler.initializer(s, pool, poolKey);
    }

    /**
     * An idle pooled connection of {@code loop} to the server of {@code poolKey} or, to an
     * {@code h2} backend, a new stream of a pooled connection; null when there is none.
     */
    static Channel pooled(boolean h2, HttpConnectionPool pool, EventLoop loop, Object poolKey) {
        return h2 ? Http2Upstream.stream(pool, loop, poolKey) : UpstreamHandler.pooled(pool, loop, poolKey);
    }

    /**
     * The channel that carries the exchange on {@code connection}: itself, or for a new HTTP/2
     * connection, which joins the pool whatever becomes of the exchange, its first stream (null
     * when none could be opened); a reused one gave a stream already.
     */
    static Channel exchangeChannel(boolean h2, Channel connection, boolean wasReused) {
        return h2 && !wasReused ? Http2Upstream.firstStream(connection) : connection;
    }

    /** Writes a request head or body content to the server; not flushed. */
    void write(Object msg) {
        channel.write(msg, channel.voidPromise());
    }

    /** Flushes what was written, with the event loop's batch. */
    void flush(DeferredFlush flusher) {
        flusher.flush(channel);
    }

    /** Whether the server connection takes more request body now. */
    boolean isWritable() {
        return channel.isWritable();
    }

    /** Reads the server or not (while the client does not take more, it is not read). */
    void read(boolean read) {
        channel.config().setAutoRead(read);
    }

    /** Starts the {@code server} timeout, unless it runs already. */
    void startTimer(Duration timeout, Runnable onTimeout) {
        if (!timer.running()) {
            timer.start(timeout, onTimeout);
        }
    }

    /** The server sent something: its timeout starts over. */
    void touch() {
        timer.touch();
    }

    /**
     * Both messages ended: the connection is parked in the pool for {@code keepAlive} when
     * {@code reuse} and it is clean ({@link UpstreamHandler#reusable}), else closed.
     */
    void end(boolean reuse, Duration keepAlive) {
        timer.stop();
        releaseSlot();
        // A server that sent more than its response is not trusted with another request.
        if (reuse && channel.isActive() && handler.reusable()) {
            handler.park(keepAlive);
        } else {
            handler.detach();
            channel.close();
        }
    }

    /** The exchange is dropped: the slot is released and the connection closed. */
    void drop() {
        timer.stop();
        releaseSlot();
        handler.detach();
        channel.close();
    }

    /** The server closed the connection: the slot is released. */
    void closed() {
        timer.stop();
        releaseSlot();
    }

    /**
     * The server switched protocols: the connection leaves HTTP but for its decoder (the encoder
     * goes first, so that no relayed byte meets it; the decoder stays until the relay is in), and
     * the slot goes with it, to the tunnel.
     *
     * @return the server whose slot the connection holds
     */
    Server leaveHttp() {
        // The upstream handler leaves the pipeline, its timer's wake-up too (the relays time the tunnel).
        timer.cancel();
        Server s = server;
        server = null;
        channel.pipeline().remove("http-encoder");
        channel.pipeline().remove(UpstreamHandler.class);
        return s;
    }

    /** The server whose slot this leg holds (null once released). */
    Server server() {
        return server;
    }

    /** The connection, for a tunnel or a log line. */
    Channel channel() {
        return channel;
    }

    @Override
    public String toString() {
        return String.valueOf(server);
    }

    private void releaseSlot() {
        if (server != null) {
            server.release();
            server = null;
        }
    }
}
