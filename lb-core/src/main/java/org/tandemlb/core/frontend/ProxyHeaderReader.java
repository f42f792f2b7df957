package org.tandemlb.core.frontend;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.proxy.Drain;
import org.tandemlb.core.proxyprotocol.ClientAddresses;

/**
 * The start of an {@code accept_proxy} client connection: the connection must begin with a PROXY
 * protocol header, v1 or v2 (Netty's {@link HAProxyMessageDecoder} tells them apart by their
 * signature), within a deadline. Once it has, the addresses it carries become the connection's
 * {@link ClientAddresses}, this handler and the decoder leave the pipeline, and the frontend's own
 * pipeline is set up behind them: the bytes that came after the header, even in the same read,
 * go on to it.
 *
 * <p>A header that is not valid closes the connection at once; so does the deadline passing
 * without one. Each such failure is counted. A client that ends its side before a header, or a
 * drain, closes the connection too, without counting.
 * {@code PROXY UNKNOWN} and the v2 {@code LOCAL} command (a health check of the balancer in front)
 * keep the connection's own addresses, as HAProxy does.
 */
final class ProxyHeaderReader extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ProxyHeaderReader.class);

    private final Duration timeout;
    private final Runnable failed;
    private final Consumer<Channel> then;
    private Future<?> deadline;
    private boolean done;

    private ProxyHeaderReader(Duration timeout, Runnable failed, Consumer<Channel> then) {
        this.timeout = timeout;
        this.failed = failed;
        this.then = then;
    }

    /**
     * Makes the connection of {@code p} expect a PROXY header first. Call before the channel is
     * active, with reading on.
     *
     * @param timeout how long the header may take from now
     * @param failed  counts a connection closed for want of a valid header
     * @param then    sets up the rest of the pipeline (added last), once the header was read
     */
    static void expect(ChannelPipeline p, Duration timeout, Runnable failed, Consumer<Channel> then) {
        p.addLast("proxy-protocol-decoder", new HAProxyMessageDecoder());
        p.addLast("proxy-protocol", new ProxyHeaderReader(timeout, failed, then));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        deadline = ctx.executor()
                .schedule(
                        () -> fail(ctx, "no PROXY protocol header within " + timeout),
                        timeout.toNanos(),
                        TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage header) || done) {
            ReferenceCountUtil.release(msg);
            return;
        }
        done = true;
        deadline.cancel(false);
        try {
            ClientAddresses carried = ClientAddresses.carriedBy(header);
            if (carried != null) {
                ClientAddresses.attach(ctx.channel(), carried);
            }
        } finally {
            header.release();
        }
        Channel ch = ctx.channel();
        // The decoder removes itself after this returns and passes on what followed the header:
        // the frontend's handlers must be in place by then.
        ctx.pipeline().remove(this);
        then.accept(ch);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == Drain.EVENT) {
            close(ctx);
            return;
        }
        if (evt instanceof ChannelInputShutdownEvent) {
            // The peer ended before a header (tcp mode, which sees half-closes): closed, not
            // counted, as a connection closed before a header is in http mode (a TCP health
            // check of the balancer in front, say).
            close(ctx);
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        deadline.cancel(false);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException) {
            fail(ctx, "invalid PROXY protocol header: " + cause.getMessage());
        } else {
            log.debug("{}: {}", ctx.channel(), cause.toString()); // a reset, say: not the header's fault
            close(ctx);
        }
    }

    private void fail(ChannelHandlerContext ctx, String why) {
        if (!done) {
            log.debug("{}: {}, closing", ctx.channel(), why);
            failed.run();
            close(ctx);
        }
    }

    private void close(ChannelHandlerContext ctx) {
        done = true;
        deadline.cancel(false);
        ctx.close();
    }
}
