package org.tandemlb.core.http;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.tandemlb.core.config.LimitsConfig;

/**
 * A frontend's {@code limits} on one request, whatever protocol brought it: the number of
 * headers (431), the target's length (414) and a declared body's size (413), checked on the head
 * before anything reaches a server ({@link LimitsConfig#bodyTooLarge} checks bodies whose size
 * comes as they do: chunked, HTTP/2 without {@code content-length}). The head's size is the decoder's
 * ({@link #decoding}).
 */
final class RequestLimits {
    private RequestLimits() {}

    /**
     * The HTTP/1.1 decoding of a frontend with {@code limits}: {@link HttpLimits#REQUEST_DECODING}'s
     * strictness with its sizes. The request line may be the target's limit plus room for the
     * method and version; the target itself is checked exactly by {@link #check}. A copy per
     * connection (the type is mutable): a few fields.
     */
    static HttpDecoderConfig decoding(LimitsConfig limits) {
        return HttpLimits.REQUEST_DECODING
                .clone()
                .setMaxInitialLineLength(limits.maxUriLength() + 64)
                .setMaxHeaderSize(limits.maxHeaderSize());
    }

    /** The status that refuses {@code req} for a limit, or null when it is within them all. */
    static HttpResponseStatus check(HttpRequest req, LimitsConfig limits) {
        if (req.headers().size() > limits.maxHeaders()) {
            return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        }
        if (req.uri().length() > limits.maxUriLength()) {
            return HttpResponseStatus.REQUEST_URI_TOO_LONG;
        }
        if (limits.maxBodySize() > 0) {
            String cl = req.headers().get(HttpHeaderNames.CONTENT_LENGTH);
            if (cl != null && declaredTooLarge(cl, limits.maxBodySize())) {
                return HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
            }
        }
        return null;
    }

    /**
     * Whether a {@code Content-Length} value says more than {@code max}; a malformed one is left
     * to the parsing checks (false here), a number too long for a long is too large.
     */
    private static boolean declaredTooLarge(String value, long max) {
        String v = value.trim();
        if (v.isEmpty()) {
            return false;
        }
        for (int i = 0; i < v.length(); i++) {
            if (v.charAt(i) < '0' || v.charAt(i) > '9') {
                return false;
            }
        }
        try {
            return Long.parseLong(v) > max;
        } catch (NumberFormatException e) {
            return true; // all digits, past Long.MAX_VALUE
        }
    }
}
