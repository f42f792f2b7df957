package org.tandemlb.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.proxy.HttpConnectionPool;
import org.tandemlb.core.proxy.ProxyContext;

/**
 * The first handler of a cleartext connection on an {@code h2c} frontend: reads the first bytes
 * and sets the connection up for HTTP/2 when they are the HTTP/2 client preface (prior knowledge,
 * RFC 9113 §3.3), for HTTP/1.1 otherwise, then leaves the pipeline and hands what it read on. It
 * decides at the first byte that differs from the preface, so an HTTP/1.1 request waits for no
 * more than it sent. The {@code Upgrade: h2c} exchange of RFC 7540 is not offered (RFC 9113
 * deprecates it): such a request is proxied as HTTP/1.1 with its {@code Upgrade} header, like
 * any other.
 *
 * <p>A connection that sends nothing within {@code http_request} is closed, as an HTTP/1.1 one is.
 */
final class H2cDetector extends ByteToMessageDecoder {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ProxyContext context;
    private final FrontendConfig frontend;
    private final Router router;
    private final HttpConnectionPool pool;
    private final String forwardedProto;
    private final LongAdder streamsTotal;
    private ScheduledFuture<?> deadline;

    H2cDetector(
            ProxyContext context,
            FrontendConfig frontend,
            Router router,
            HttpConnectionPool pool,
            String forwardedProto,
            LongAdder streamsTotal) {
        this.context = context;
        this.frontend = frontend;
        this.router = router;
        this.pool = pool;
        this.forwardedProto = forwardedProto;
        this.streamsTotal = streamsTotal;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        deadline = ctx.executor()
                .schedule(
                        () -> {
                            ctx.close();
                        },
                        frontend.timeouts().httpRequest().toNanos(),
                        TimeUnit.NANOSECONDS);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int n = Math.min(in.readableBytes(), PREFACE.length);
        int start = in.readerIndex();
        for (int i = 0; i < n; i++) {
            if (in.getByte(start + i) != PREFACE[i]) {
                decided(ctx, false);
                return;
            }
        }
        if (n == PREFACE.length) {
            decided(ctx, true);
        }
    }

    private void decided(ChannelHandlerContext ctx, boolean h2) {
        deadline.cancel(false);
        if (h2) {
            Http2Mode.initClientPipeline(ctx.pipeline(), context, frontend, router, pool, forwardedProto, streamsTotal);
        } else {
            HttpMode.initClientPipeline(ctx.pipeline(), context, frontend, router, pool, forwardedProto);
        }
        // Leaving, the decoder hands the bytes it holds to the handlers just added.
        ctx.pipeline().remove(this);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        deadline.cancel(false);
        super.channelInactive(ctx);
    }
}
