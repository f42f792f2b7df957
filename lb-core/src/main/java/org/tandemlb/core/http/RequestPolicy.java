package org.tandemlb.core.http;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.List;
import java.util.Set;

/**
 * What a request must be to be proxied, whatever protocol brought it: the decoder's verdict
 * mapped to a status (the limits are {@link HttpLimits}), unambiguous framing, one
 * {@code Host}, no {@code CONNECT}; and which requests may be sent again on a new connection.
 *
 * <p>Stateless: a request's checks read only the request.
 */
final class RequestPolicy {
    private static final Set<HttpMethod> IDEMPOTENT = Set.of(
            HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS, HttpMethod.TRACE, HttpMethod.PUT, HttpMethod.DELETE);

    private RequestPolicy() {}

    /** The status that refuses {@code req}, or null when it may go on. */
    static HttpResponseStatus validate(HttpRequest req) {
        DecoderResult dr = req.decoderResult();
        if (dr.isFailure()) {
            Throwable c = dr.cause();
            if (c instanceof TooLongHttpHeaderException) {
                return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
            }
            if (c instanceof TooLongHttpLineException) {
                return HttpResponseStatus.REQUEST_URI_TOO_LONG;
            }
            if (c instanceof TooLongFrameException) {
                return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
            }
            return HttpResponseStatus.BAD_REQUEST;
        }
        if (!visibleAscii(req.uri())) {
            // RFC 9112 §3.2: a request target has no whitespace or control character (a NUL,
            // say, which the decoder lets through and a server would read its own way).
            return HttpResponseStatus.BAD_REQUEST;
        }
        HttpHeaders h = req.headers();
        List<String> te = h.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!te.isEmpty()) {
            // Only a single "chunked" is understood; HTTP/1.0 has no chunked framing (RFC 9112 §6.1).
            if (te.size() != 1 || !te.get(0).trim().equalsIgnoreCase("chunked")) {
                return HttpResponseStatus.NOT_IMPLEMENTED;
            }
            if (req.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                return HttpResponseStatus.BAD_REQUEST;
            }
        }
        List<String> hosts = h.getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1 || (hosts.isEmpty() && req.protocolVersion().equals(HttpVersion.HTTP_1_1))) {
            return HttpResponseStatus.BAD_REQUEST; // RFC 9112 §3.2: exactly one Host in HTTP/1.1
        }
        if (req.method().equals(HttpMethod.CONNECT)) {
            return HttpResponseStatus.METHOD_NOT_ALLOWED;
        }
        return null;
    }

    private static boolean visibleAscii(String target) {
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether a request of {@code method} may be sent again when a reused server connection
     * closed before answering (RFC 9110 §9.2.2; the caller also requires it to be complete and
     * bodyless).
     */
    static boolean idempotent(HttpMethod method) {
        return IDEMPOTENT.contains(method);
    }
}
