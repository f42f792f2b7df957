package org.tandemlb.examples.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
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
import org.tandemlb.core.http.HeaderRewrite;
import org.tandemlb.core.http.HttpLimits;

/**
 * The HTTP head path of one proxied exchange: the request head as it comes from a client (wrk's
 * two headers, or a browser's dozen), the response head as Nginx sends it.
 *
 * <ul>
 *   <li>{@code rewriteRequest}, {@code rewriteResponse}: {@link HeaderRewrite} alone (hop-by-hop
 *       headers out, X-Forwarded-* in) on a decoded head; {@code newRequest}, {@code newResponse}
 *       build that decoded head and are the baseline to subtract.</li>
 *   <li>{@code requestHeadPath}, {@code responseHeadPath}: bytes in, decoded with the proxy's
 *       decoder settings, rewritten, encoded again: the whole Java cost of a head in the proxy,
 *       bodies aside (they pass through as buffers, never copied).</li>
 * </ul>
 * Run with {@code -prof gc} for the allocation per head.
 */
@State(Scope.Thread)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HeaderRewriteBench {
    @Param({"wrk", "browser"})
    public String client;

    private static final String WRK = "GET /3b HTTP/1.1\r\nHost: 127.0.0.1:18281\r\n\r\n";
    private static final String BROWSER = "GET /products/42?ref=home HTTP/1.1\r\n"
            + "Host: www.foobar.com\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
            + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
            + "Accept-Language: en-US,en;q=0.5\r\n"
            + "Accept-Encoding: gzip, deflate, br, zstd\r\n"
            + "Connection: keep-alive\r\n"
            + "Cookie: session=4f0c2d8e9b7a41c3a1f0e6d5c4b3a291; theme=dark\r\n"
            + "Upgrade-Insecure-Requests: 1\r\n"
            + "Sec-Fetch-Dest: document\r\n"
            + "Sec-Fetch-Mode: navigate\r\n"
            + "Sec-Fetch-Site: same-origin\r\n"
            + "Priority: u=0, i\r\n\r\n";
    /** What Nginx answers for a 3-byte static file (also used by ResponseHeadBench). */
    public static final String NGINX = "HTTP/1.1 200 OK\r\n"
            + "Server: nginx/1.22.1\r\n"
            + "Date: Sat, 21 Nov 2026 10:00:00 GMT\r\n"
            + "Content-Type: text/plain\r\n"
            + "Content-Length: 3\r\n"
            + "Last-Modified: Sat, 21 Nov 2026 09:56:00 GMT\r\n"
            + "Connection: keep-alive\r\n"
            + "ETag: \"6920f6e0-3\"\r\n"
            + "Accept-Ranges: bytes\r\n\r\nok\n";

    private ByteBuf requestBytes;
    private ByteBuf responseBytes;
    private String[][] requestHeaders;
    private String requestUri;
    private EmbeddedChannel requestIn;
    private EmbeddedChannel requestOut;
    private EmbeddedChannel responseIn;
    private EmbeddedChannel responseOut;

    @Setup
    public void setUp() {
        String head = client.equals("wrk") ? WRK : BROWSER;
        requestBytes = Unpooled.unreleasableBuffer(
                Unpooled.directBuffer().writeBytes(head.getBytes(StandardCharsets.US_ASCII)));
        responseBytes = Unpooled.unreleasableBuffer(
                Unpooled.directBuffer().writeBytes(NGINX.getBytes(StandardCharsets.US_ASCII)));
        String[] lines = head.split("\r\n");
        requestUri = lines[0].split(" ")[1];
        requestHeaders = new String[lines.length - 1][];
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            requestHeaders[i - 1] = new String[] {lines[i].substring(0, colon), lines[i].substring(colon + 2)};
        }
        // The proxy's decoder settings (HttpLimits and the server side).
        HttpDecoderConfig strict = new HttpDecoderConfig()
                .setMaxInitialLineLength(HttpLimits.MAX_INITIAL_LINE)
                .setMaxHeaderSize(HttpLimits.MAX_HEADER_SIZE)
                .setValidateHeaders(true)
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(false)
                .setAllowPartialChunks(true);
        requestIn = channel(new HttpRequestDecoder(strict));
        requestOut = channel(new HttpRequestEncoder());
        responseIn = channel(new HttpResponseDecoder(new HttpDecoderConfig()
                .setMaxHeaderSize(HttpLimits.MAX_HEADER_SIZE)
                .setValidateHeaders(true)
                .setAllowDuplicateContentLengths(false)
                .setAllowPartialChunks(true)));
        responseOut = channel(new HttpResponseEncoder());
    }

    private static EmbeddedChannel channel(ChannelHandler h) {
        EmbeddedChannel ch = new EmbeddedChannel(h);
        ch.config().setOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT);
        return ch;
    }

    @TearDown
    public void tearDown() {
        requestIn.finishAndReleaseAll();
        requestOut.finishAndReleaseAll();
        responseIn.finishAndReleaseAll();
        responseOut.finishAndReleaseAll();
    }

    @Benchmark
    public HttpRequest newRequest() {
        HttpRequest req = new DefaultHttpRequest(
                HttpVersion.HTTP_1_1, HttpMethod.GET, requestUri, DefaultHttpHeadersFactory.headersFactory());
        HttpHeaders h = req.headers();
        for (String[] kv : requestHeaders) {
            h.add(kv[0], kv[1]);
        }
        return req;
    }

    @Benchmark
    public int rewriteRequest() {
        return HeaderRewrite.request(newRequest(), "203.0.113.7", "http");
    }

    @Benchmark
    public HttpResponse newResponse() {
        HttpResponse resp = new DefaultHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.OK, DefaultHttpHeadersFactory.headersFactory());
        resp.headers()
                .add("Server", "nginx/1.22.1")
                .add("Date", "Sat, 21 Nov 2026 10:00:00 GMT")
                .add("Content-Type", "text/plain")
                .add("Content-Length", "3")
                .add("Last-Modified", "Sat, 21 Nov 2026 09:56:00 GMT")
                .add("Connection", "keep-alive")
                .add("ETag", "\"6920f6e0-3\"")
                .add("Accept-Ranges", "bytes");
        return resp;
    }

    @Benchmark
    public int rewriteResponse() {
        return HeaderRewrite.response(newResponse(), false);
    }

    @Benchmark
    public void requestHeadPath(Blackhole bh) {
        requestIn.writeInbound(requestBytes.duplicate());
        Object msg;
        while ((msg = requestIn.readInbound()) != null) {
            if (msg instanceof HttpRequest req) {
                bh.consume(HeaderRewrite.request(req, "203.0.113.7", "http"));
            }
            requestOut.writeOutbound(msg);
        }
        drain(requestOut, bh);
    }

    @Benchmark
    public void responseHeadPath(Blackhole bh) {
        responseIn.writeInbound(responseBytes.duplicate());
        Object msg;
        while ((msg = responseIn.readInbound()) != null) {
            if (msg instanceof HttpResponse resp) {
                bh.consume(HeaderRewrite.response(resp, false));
            }
            if (msg instanceof HttpContent || msg instanceof HttpResponse) {
                responseOut.writeOutbound(msg);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }
        drain(responseOut, bh);
    }

    private static void drain(EmbeddedChannel out, Blackhole bh) {
        ByteBuf b;
        while ((b = out.readOutbound()) != null) {
            bh.consume(b.readableBytes());
            b.release();
        }
    }
}
