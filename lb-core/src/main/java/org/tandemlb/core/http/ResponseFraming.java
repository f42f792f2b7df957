package org.tandemlb.core.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * How a server's response body is delimited, as RFC 9112 §6.3 says, for {@link ResponseDecoder}:
 * no body for {@code 1xx}, {@code 204}, {@code 304} and the answer to {@code HEAD};
 * {@code Transfer-Encoding} ending in one {@code chunked}, only in HTTP/1.1; one
 * {@code Content-Length} of digits only; otherwise the body runs to the connection's end.
 *
 * <p>Refused (an {@link IllegalArgumentException}: the proxy answers 502), as the request side
 * refuses the same in a request ({@link FieldSyntax} holds the rules both share): both
 * {@code Content-Length} and {@code Transfer-Encoding}, {@code Transfer-Encoding} before
 * HTTP/1.1, two {@code Content-Length}s (even where no body follows) or one that is not digits,
 * transfer codings that do not end in one {@code chunked}.
 */
final class ResponseFraming {
    /** The body runs to the connection's end. */
    static final long UNTIL_CLOSE = -1;
    /** The body is chunked. */
    static final long CHUNKED = -2;
    /** An interim ({@code 1xx}) response: no body, the final response follows. */
    static final long INTERIM = -3;
    /** A {@code 101} to another protocol: no body, and what follows is not HTTP. */
    static final long SWITCHED = -4;

    private ResponseFraming() {}

    /**
     * The framing of {@code response}'s body: its length ({@code 0} for none), or one of
     * {@link #UNTIL_CLOSE}, {@link #CHUNKED}, {@link #INTERIM} and {@link #SWITCHED}. A response
     * without a body that names a transfer coding loses it (the client side frames it anew).
     *
     * @param headers     the response's headers
     * @param answersHead whether the response answers a {@code HEAD} request
     * @throws IllegalArgumentException when the framing is ambiguous or invalid
     */
    static long body(HttpResponse response, HeadHeaders headers, boolean answersHead) {
        int code = response.status().code();
        int lengths = headers.count(HttpHeaderNames.CONTENT_LENGTH);
        if (lengths > 1) {
            // Refused even where no body follows (1xx, HEAD, 204, 304): the head is forwarded as
            // it is, and a client or cache would read it its own way.
            throw new IllegalArgumentException("more than one Content-Length");
        }
        if (code >= 100 && code < 200) {
            return code == 101 && switchesToAnotherProtocol(headers) ? SWITCHED : INTERIM;
        }
        boolean hasTe = headers.contains(HttpHeaderNames.TRANSFER_ENCODING);
        if (hasTe && (lengths > 0 || response.protocolVersion() != HttpVersion.HTTP_1_1)) {
            // RFC 9112 §6.3.3 lets a recipient let Transfer-Encoding win; a smuggling attempt
            // looks the same, so neither is read (as the request side does).
            throw new IllegalArgumentException(
                    lengths > 0 ? "Content-Length and Transfer-Encoding" : "Transfer-Encoding before HTTP/1.1");
        }
        if (hasTe
                && FieldSyntax.codings(headers.getAll(HttpHeaderNames.TRANSFER_ENCODING))
                        == FieldSyntax.Codings.AMBIGUOUS) {
            throw new IllegalArgumentException("transfer codings not ending in one chunked");
        }
        long length = lengths == 0 ? -1 : FieldSyntax.contentLength(headers.get(HttpHeaderNames.CONTENT_LENGTH));
        if (lengths == 1 && length < 0) {
            throw new IllegalArgumentException("bad Content-Length");
        }
        if (answersHead || code == 204 || code == 304) {
            if (hasTe) {
                HttpUtil.setTransferEncodingChunked(response, false);
            }
            return 0;
        }
        if (hasTe) {
            return CHUNKED;
        }
        return length < 0 ? UNTIL_CLOSE : length;
    }

    private static boolean switchesToAnotherProtocol(HttpHeaders headers) {
        String upgrade = headers.get(HttpHeaderNames.UPGRADE);
        return upgrade == null || !upgrade.contains("HTTP/1.0") && !upgrade.contains("HTTP/1.1");
    }
}
