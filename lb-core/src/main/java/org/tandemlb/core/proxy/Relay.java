package org.tandemlb.core.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays every byte read on its channel to a peer channel: the TCP mode's pipe, and the tunnel
 * after an HTTP upgrade. One relay sits on each side.
 *
 * <p>Back-pressure: when the peer's outbound buffer passes its high water mark this side stops
 * reading, and reads again when the peer drains below the low mark ({@code autoRead} toggled by
 * writability). Writes are flushed once per read, at the end of the event loop's batch of events ({@link DeferredFlush}). A FIN from one side is relayed as a
 * shutdown of the peer's output (half-close); the connection pair closes when both directions
 * are done, or when this side sees no traffic for its idle timeout.
 */
public final class Relay extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(Relay.class);
    private static final Duration MAX_LINGER = Duration.ofSeconds(5);

    private final Channel peer;
    private final Duration idleTimeout;
    private final DeferredFlush flusher;
    private InactivityTimer timer;
    private long bytes;

    /**
     * @param peer        the channel the bytes go to (on the same event loop)
     * @param idleTimeout this side's inactivity timeout
     * @param flusher     the deferred flush of the event loop both channels are on
     */
    public Relay(Channel peer, Duration idleTimeout, DeferredFlush flusher) {
        this.peer = peer;
        this.idleTimeout = idleTimeout;
        this.flusher = flusher;
    }

    /** Bytes read on this side (and relayed to the peer) so far. Read on the event loop. */
    public long bytesRead() {
        return bytes;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        timer = new InactivityTimer(ctx.channel().eventLoop());
        timer.start(idleTimeout, () -> {
            log.debug("{}: idle for {}, closing", ctx.channel(), idleTimeout);
            closeBoth(ctx.channel());
        });
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        timer.cancel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        timer.touch();
        if (msg instanceof ByteBuf buf) {
            bytes += buf.readableBytes();
        }
        peer.write(msg, peer.voidPromise());
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flusher.flush(peer);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // Our outbound buffer drained (or filled): let the peer read again (or stop it). A peer
        // whose input is finished has nothing more to read (and epoll refuses to watch it).
        if (!(peer instanceof DuplexChannel d && d.isInputShutdown())) {
            peer.config().setAutoRead(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            Channel self = ctx.channel();
            if (peer instanceof DuplexChannel duplexPeer && self instanceof DuplexChannel) {
                if (duplexPeer.isInputShutdown() || !peer.isActive()) {
                    // Both directions are finished: close the pair once the last bytes are out.
                    Closing.afterWrites(peer, idleTimeout);
                    Closing.afterWrites(self, idleTimeout);
                } else {
                    // The FIN goes after the last bytes: shutting the output down at once would
                    // drop what the peer's socket could not take yet (Netty fails pending writes).
                    Closing.shutdownOutputAfterWrites(duplexPeer);
                }
            } else {
                closeBoth(self);
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        timer.cancel();
        // Send what is still buffered, then close.
        endPeer();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{}: {}", ctx.channel(), cause.toString(), cause);
        closeBoth(ctx.channel());
    }

    private void closeBoth(Channel self) {
        self.close();
        // What was relayed and waits for the deferred flush still goes out.
        endPeer();
    }

    /**
     * Ends the peer once what was relayed to it is out. A client (an accepted connection: it has a
     * parent) may still be sending: it gets a lingering close, so that a reset does not destroy
     * the last bytes under it; a server connection is just closed.
     */
    private void endPeer() {
        if (peer.parent() != null) {
            Closing.lingeringClose(peer, linger());
        } else {
            Closing.afterWrites(peer, idleTimeout);
        }
    }

    /** How long a peer that goes on sending after its partner ended may take to see it (at most 5 s). */
    private Duration linger() {
        return idleTimeout.compareTo(MAX_LINGER) < 0 ? idleTimeout : MAX_LINGER;
    }
}
