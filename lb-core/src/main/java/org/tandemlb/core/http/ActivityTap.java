package org.tandemlb.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import org.tandemlb.core.accesslog.AccessListener;

/**
 * The first handler of an HTTP/1.1 client connection, before the codec: counts the bytes both
 * ways, tells the connection of every read (the first byte of a head starts its deadline, a
 * request body's bytes keep the client timeout from firing), and keeps when the current request
 * began. What it counts goes to the access log in shares, one per request ({@link #takeBytesIn}):
 * an exchange's entry is made by the {@link Exchange}, a refused request's here.
 */
final class ActivityTap extends ChannelDuplexHandler {
    private final Http1Connection connection;
    /** Who hears of refused requests, or null. */
    private final AccessListener listener;

    private long bytesIn;
    private long bytesOut;
    private long bytesInLogged;
    private long bytesOutLogged;
    private long startNanos;
    private long startMillis;

    ActivityTap(Http1Connection connection, AccessListener listener) {
        this.connection = connection;
        this.listener = listener;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            bytesIn += buf.readableBytes();
        }
        connection.clientActivity();
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf buf) {
            bytesOut += buf.readableBytes();
        }
        ctx.write(msg, promise);
    }

    /** A request begins now. */
    void markStart() {
        startNanos = System.nanoTime();
        if (listener != null) { // only the access log reads wall-clock times
            startMillis = System.currentTimeMillis();
        }
    }

    /** When the current request began ({@link System#nanoTime()}), or 0 when none was marked. */
    long startNanos() {
        return startNanos;
    }

    /** The same as wall-clock time, or 0 when none was marked or nobody listens. */
    long startMillis() {
        return startMillis;
    }

    /** The current request was logged or handed its start: the next one is marked afresh. */
    void clearStart() {
        startNanos = 0;
        startMillis = 0;
    }

    /**
     * Reports a request refused before it got an exchange to the access listener (when there is
     * one); {@code req} is null when not even its head came.
     */
    void logRefused(HttpRequest req, int status, String termination) {
        if (listener == null) {
            return;
        }
        long now = System.nanoTime();
        ExchangeLog.refused(
                listener,
                connection,
                req,
                req == null ? null : req.protocolVersion().text(),
                status,
                termination,
                startNanos != 0 ? startNanos : now,
                startMillis != 0 ? startMillis : System.currentTimeMillis());
        clearStart();
    }

    /** Bytes read since the last call. */
    long takeBytesIn() {
        long n = bytesIn - bytesInLogged;
        bytesInLogged = bytesIn;
        return n;
    }

    /** Bytes written since the last call. */
    long takeBytesOut() {
        long n = bytesOut - bytesOutLogged;
        bytesOutLogged = bytesOut;
        return n;
    }
}
