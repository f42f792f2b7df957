package org.tandemlb.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.tandemlb.examples.bench.HeaderRewriteBench;

/**
 * The response head path of one proxied exchange, Nginx's response in, rewritten, encoded for the
 * client: with Netty's {@code HttpResponseDecoder} and {@code HttpResponseEncoder} (what the proxy
 * used before) and with Tandem's own {@link ResponseDecoder} and {@link MessageEncoder} (what it
 * uses now). In lb-core's package because both are package-private there; the benchmark jar puts
 * both on one class path.
 */
@State(Scope.Thread)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ResponseHeadBench {
    @Param({"netty", "tandem"})
    public String decoder;

    private static final String NGINX = HeaderRewriteBench.NGINX;

    private ByteBuf bytes;
    private EmbeddedChannel in;
    private EmbeddedChannel out;

    @Setup
    public void setUp() {
        bytes = Unpooled.unreleasableBuffer(
                Unpooled.directBuffer().writeBytes(NGINX.getBytes(StandardCharsets.US_ASCII)));
        ChannelHandler d = decoder.equals("netty")
                ? new HttpResponseDecoder(new HttpDecoderConfig()
                        .setMaxHeaderSize(HttpLimits.MAX_HEADER_SIZE)
                        .setValidateHeaders(true)
                        .setAllowDuplicateContentLengths(false)
                        .setAllowPartialChunks(true))
                : new ResponseDecoder();
        in = new EmbeddedChannel(d);
        out = new EmbeddedChannel(decoder.equals("netty") ? new HttpResponseEncoder() : new MessageEncoder());
        in.config().setOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT);
        out.config().setOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT);
    }

    @TearDown
    public void tearDown() {
        in.finishAndReleaseAll();
        out.finishAndReleaseAll();
    }

    @Benchmark
    public void responseHeadPath(Blackhole bh) {
        in.writeInbound(bytes.duplicate());
        Object msg;
        while ((msg = in.readInbound()) != null) {
            if (msg instanceof HttpResponse resp) {
                bh.consume(HeaderRewrite.response(resp, false));
            }
            if (msg instanceof HttpContent || msg instanceof HttpResponse) {
                out.writeOneOutbound(msg, out.voidPromise());
            } else {
                ReferenceCountUtil.release(msg);
            }
        }
        out.flushOutbound();
        ByteBuf b;
        while ((b = out.readOutbound()) != null) {
            bh.consume(b.readableBytes());
            b.release();
        }
    }
}
