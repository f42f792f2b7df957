package org.tandemlb.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * The responses Tandem itself sends: a status line, {@code Connection: close} and a short plain
 * text body naming the status, as HAProxy's built-in error pages do.
 */
final class ErrorResponses {
    private ErrorResponses() {}

    static FullHttpResponse of(ByteBufAllocator alloc, HttpResponseStatus status) {
        byte[] text = (status.code() + " " + status.reasonPhrase() + "\n").getBytes(StandardCharsets.US_ASCII);
        ByteBuf body = alloc.buffer(text.length).writeBytes(text);
        FullHttpResponse r = new Own(status, body);
        r.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .set(HttpHeaderNames.CONTENT_LENGTH, text.length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return r;
    }

    /**
     * An answer of Tandem's own, which the frontend's or backend's {@code error_pages} may
     * replace ({@link ErrorPages}); a redirect or a server's response never is one.
     */
    static final class Own extends DefaultFullHttpResponse {
        Own(HttpResponseStatus status, ByteBuf body) {
            super(HttpVersion.HTTP_1_1, status, body);
        }
    }
}
