package org.tandemlb.core.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Ends a connection after what was written to it is out, whatever the transport.
 *
 * <p>With epoll or NIO a flush writes to the socket before it returns, so "flush, then close"
 * loses nothing the socket could take. With io_uring a flush only queues the write, and a close
 * cancels writes still queued: the last response would be lost. So a close or a half-close that
 * must not lose data waits for the write's completion instead; a peer that stops reading cannot
 * hold the connection past {@code linger}, after which it is closed anyway (as HAProxy gives up
 * after {@code timeout client} or {@code timeout server}).
 */
public final class Closing {
    private Closing() {}

    /** Flushes {@code ch} and closes it once everything written is out, or after {@code linger}. */
    public static void afterWrites(Channel ch, Duration linger) {
        // What a handler keeps back until a flush (the HTTP encoder holds a response head until
        // its body comes) goes out too: a response cut short shows as cut, not as nothing.
        ch.flush();
        ChannelOutboundBuffer pending = ch.unsafe().outboundBuffer();
        if (pending == null || pending.totalPendingWriteBytes() == 0) {
            ch.close(); // nothing written is still on its way (the common case): close at once
            return;
        }
        writeAndClose(ch, Unpooled.EMPTY_BUFFER, linger);
    }

    /**
     * Ends a connection whose peer may still be sending (a response that came before the end of
     * its request, an upload refused): once what was written is out, shuts the output down (a
     * FIN: the peer reads the whole response) and reads and drops what still comes until the peer
     * closes, or for at most {@code linger}. A plain close with unread bytes would make the
     * kernel answer them with a reset, which can destroy the response before the peer read it
     * (Nginx's and HAProxy's "lingering close").
     */
    public static void lingeringClose(Channel ch, Duration linger) {
        if (!(ch instanceof DuplexChannel duplex) || !ch.isActive() || duplex.isInputShutdown()) {
            afterWrites(ch, linger); // nothing more can come (or no way to wait for it)
            return;
        }
        Future<?> deadline = ch.eventLoop()
                .schedule(
                        () -> {
                            ch.close();
                        },
                        Math.max(1, linger.toMillis()),
                        TimeUnit.MILLISECONDS);
        ch.closeFuture().addListener(f -> deadline.cancel(false));
        // First what handlers keep back until a flush (the HTTP encoder holds a head until its
        // body comes), then the FIN once all of it is out.
        ch.flush();
        ChannelOutboundBuffer pending = ch.unsafe().outboundBuffer();
        if (pending == null || pending.totalPendingWriteBytes() == 0) {
            shutdownAndDrain(duplex);
        } else {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                if (f.isSuccess()) {
                    shutdownAndDrain(duplex);
                } else {
                    ch.close();
                }
            });
        }
    }

    /** Sends the FIN and reads on; the peer's own FIN then closes the channel (half-closure off). */
    private static void shutdownAndDrain(DuplexChannel ch) {
        if (!ch.isActive()) {
            return;
        }
        ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
        ch.shutdownOutput();
        ch.config().setAutoRead(true); // what still comes is read and dropped by the closing handlers
    }

    /** Writes {@code msg} (and flushes), then closes as {@link #afterWrites} does. */
    public static void writeAndClose(Channel ch, Object msg, Duration linger) {
        if (!ch.isActive()) {
            ReferenceCountUtil.release(msg);
            ch.close();
            return;
        }
        ChannelFuture written = ch.writeAndFlush(msg);
        if (written.isDone()) {
            ch.close();
            return;
        }
        Future<?> deadline = ch.eventLoop()
                .schedule(
                        () -> {
                            ch.close();
                        },
                        Math.max(1, linger.toMillis()),
                        TimeUnit.MILLISECONDS);
        written.addListener(f -> {
            deadline.cancel(false);
            ch.close();
        });
    }

    /**
     * Flushes {@code ch} and shuts its output down (sends a FIN) once everything written is out;
     * closes it when the write fails. Unbounded: the caller's inactivity timeout ends a peer that
     * stops reading.
     *
     * <p>Once its output is shut, the channel's own FIN finishes it: half-closure is turned off,
     * so that the transport closes it at end of input (after handing over what it read) instead
     * of shutting its input down too. That spares a {@code shutdown} call, which fails anyway
     * once both FINs have crossed, and the exception Netty makes of the failure.
     */
    public static void shutdownOutputAfterWrites(DuplexChannel ch) {
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (!f.isSuccess()) {
                ch.close();
            } else if (ch.isActive()) {
                ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
                ch.shutdownOutput();
            }
        });
    }
}
