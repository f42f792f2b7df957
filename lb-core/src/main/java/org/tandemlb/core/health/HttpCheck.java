package org.tandemlb.core.health;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.tandemlb.core.config.HealthCheckConfig;

/**
 * The {@code http} check: sends {@code METHOD path HTTP/1.1} with {@code Host} and
 * {@code Connection: close}, and passes when the status is within {@code expect_status} and,
 * with {@code expect_body}, the body contains that text within its first
 * {@value #BODY_LIMIT} bytes. The message is the status code.
 */
final class HttpCheck implements Check {
    /** How much of the body is searched for {@code expect_body}: HAProxy's check buffer is 16 KiB; more is generous. */
    static final int BODY_LIMIT = 64 * 1024;

    private final Connector connector;
    private final HttpMethod method;
    private final String path;
    private final String host;
    private final HealthCheckConfig.StatusRange expect;
    private final byte[] expectBody;

    HttpCheck(Connector connector, HealthCheckConfig config, String host) {
        this.connector = connector;
        this.method = HttpMethod.valueOf(config.method());
        this.path = config.path();
        this.host = host;
        this.expect = config.expectStatus();
        this.expectBody =
                config.expectBody() == null ? null : config.expectBody().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String type() {
        return "http";
    }

    @Override
    public CheckScheduler.Cancellable start(Consumer<Outcome> done) {
        Probe probe = new Probe(done);
        ChannelFuture f = connector.connect(
                new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), probe);
                    }
                },
                b -> {});
        f.addListener(x -> {
            if (!x.isSuccess()) {
                probe.finish(Outcome.failed(Connector.describe(x.cause())));
                return;
            }
            FullHttpRequest request =
                    new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path, Unpooled.EMPTY_BUFFER);
            request.headers()
                    .set(HttpHeaderNames.HOST, host)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                    .set(HttpHeaderNames.USER_AGENT, "Tandem health check")
                    .set(HttpHeaderNames.ACCEPT, "*/*");
            f.channel().writeAndFlush(request).addListener(w -> {
                if (!w.isSuccess()) {
                    probe.finish(Outcome.failed("cannot send the request: " + Connector.describe(w.cause())));
                }
            });
        });
        return () -> probe.cancel(f.channel());
    }

    /** Reads the response of one check; all on the event loop. */
    private final class Probe extends ChannelInboundHandlerAdapter {
        private final ProbeEnd end;
        private int status = -1;

        Probe(Consumer<Outcome> done) {
            this.end = new ProbeEnd(done);
        }

        void cancel(Channel ch) {
            end.cancel(ch);
        }

        void finish(Outcome outcome) {
            end.finish(outcome);
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            end.attach(ctx.channel());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (end.finished()) {
                    return;
                }
                if (msg instanceof HttpResponse r) {
                    if (r.decoderResult().isFailure()) {
                        finish(Outcome.failed("not an HTTP response: "
                                + r.decoderResult().cause().getMessage()));
                        return;
                    }
                    status = r.status().code();
                    if (status / 100 == 1) {
                        status = -1; // 100 Continue and the like: the real answer follows
                        return;
                    }
                    if (!expect.contains(status)) {
                        finish(Outcome.failed(Integer.toString(status)));
                        return;
                    }
                    if (expectBody == null) {
                        finish(Outcome.passed(Integer.toString(status)));
                        return;
                    }
                    end.gathering(ctx.alloc());
                }
                ByteBuf body = end.gathered();
                if (msg instanceof HttpContent c && status > 0 && body != null) {
                    int room = BODY_LIMIT - body.readableBytes();
                    body.writeBytes(
                            c.content(),
                            c.content().readerIndex(),
                            Math.min(room, c.content().readableBytes()));
                    if (contains(body, expectBody)) {
                        finish(Outcome.passed(Integer.toString(status)));
                    } else if (c instanceof LastHttpContent || body.readableBytes() >= BODY_LIMIT) {
                        finish(Outcome.failed(
                                status + ", body lacks '" + new String(expectBody, StandardCharsets.UTF_8) + "'"));
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            finish(Outcome.failed(
                    status < 0 ? "connection closed before a response" : "connection closed in the body"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            finish(Outcome.failed(Connector.describe(cause)));
        }
    }

    static boolean contains(ByteBuf haystack, byte[] needle) {
        int n = haystack.readableBytes();
        int start = haystack.readerIndex();
        outer:
        for (int i = 0; i + needle.length <= n; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack.getByte(start + i + j) != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
