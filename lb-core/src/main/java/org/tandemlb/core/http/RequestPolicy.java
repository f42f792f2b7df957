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
import java.util.Locale;
import java.util.Set;

/**
 * What a request must be to be proxied, whatever protocol brought it: the decoder's verdict
 * mapped to a status (the limits are {@link HttpLimits}, the syntax of an HTTP/1.1 head
 * {@link RequestHeadCheck}'s), then the meaning of the parsed request (RFC 9110/9112 sections):
 *
 * <ul>
 *   <li>at most one {@code Content-Length}, of digits only (§6.3 of 9112), and not beside
 *       {@code Transfer-Encoding};
 *   <li>{@code Transfer-Encoding} only in HTTP/1.1, its codings ending with one {@code chunked}
 *       (400 otherwise, §6.3); other codings before it are not understood (501, §6.1);
 *   <li>exactly one {@code Host} in HTTP/1.1 (§3.2), a valid host and port, the same as the
 *       authority of an absolute-form target (§3.2.2: a proxy must not let the two disagree);
 *   <li>a request target in origin form ({@code /path}), absolute form ({@code http://} or
 *       {@code https://} with a host), or {@code *} for {@code OPTIONS} (§3.2), without a fragment,
 *       space, control character or byte outside ASCII;
 *   <li>no {@code CONNECT} (405: Tandem is not a forward proxy).
 * </ul>
 *
 * <p>And which requests may be sent again on a new connection. Stateless: a request's checks
 * read only the request.
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
            if (c instanceof RequestRefused r) {
                return r.status();
            }
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
        if (req.method().equals(HttpMethod.CONNECT)) {
            return HttpResponseStatus.METHOD_NOT_ALLOWED;
        }
        HttpResponseStatus framing = framing(req);
        if (framing != null) {
            return framing;
        }
        return targetAndHost(req) ? null : HttpResponseStatus.BAD_REQUEST;
    }

    /** The status refusing the request's body framing, or null. */
    private static HttpResponseStatus framing(HttpRequest req) {
        HttpHeaders h = req.headers();
        List<String> lengths = h.getAll(HttpHeaderNames.CONTENT_LENGTH);
        if (lengths.size() > 1 || (lengths.size() == 1 && FieldSyntax.contentLength(lengths.get(0)) < 0)) {
            return HttpResponseStatus.BAD_REQUEST;
        }
        List<String> te = h.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (te.isEmpty()) {
            return null;
        }
        if (!lengths.isEmpty() || req.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            return HttpResponseStatus.BAD_REQUEST; // HTTP/1.0 has no chunked framing (RFC 9112 §6.1)
        }
        return switch (FieldSyntax.codings(te)) {
            case CHUNKED -> null;
            case CHUNKED_AFTER_OTHERS -> HttpResponseStatus.NOT_IMPLEMENTED;
            case AMBIGUOUS -> HttpResponseStatus.BAD_REQUEST;
        };
    }

    /** Whether the target has a valid form and the Host (one in HTTP/1.1) agrees with it. */
    private static boolean targetAndHost(HttpRequest req) {
        List<String> hosts = req.headers().getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1 || (hosts.isEmpty() && !req.protocolVersion().equals(HttpVersion.HTTP_1_0))) {
            return false;
        }
        String host = hosts.isEmpty() ? null : hosts.get(0);
        if (host != null && !validHost(host)) {
            return false;
        }
        String uri = req.uri();
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '#') {
                return false; // a fragment is never sent (RFC 9110 §4.2.4); the rest is not a URI
            }
        }
        if (uri.startsWith("/")) {
            return true;
        }
        if (uri.equals("*")) {
            return req.method().equals(HttpMethod.OPTIONS);
        }
        String authority = absoluteAuthority(uri);
        return authority != null && validHost(authority) && (host == null || host.equalsIgnoreCase(authority));
    }

    /** The authority of an {@code http} or {@code https} absolute-form target, or null. */
    private static String absoluteAuthority(String uri) {
        String lower = uri.toLowerCase(Locale.ROOT);
        int start = lower.startsWith("http://") ? 7 : lower.startsWith("https://") ? 8 : -1;
        if (start < 0) {
            return null;
        }
        int end = start;
        while (end < uri.length() && uri.charAt(end) != '/' && uri.charAt(end) != '?') {
            end++;
        }
        return uri.substring(start, end);
    }

    /**
     * Whether {@code host} is {@code host [":" port]}: a name of letters, digits and the few
     * signs RFC 3986 allows in a reg-name, or a bracketed IP literal; no user info, no path.
     */
    static boolean validHost(String host) {
        int n = host.length();
        if (n == 0) {
            return false;
        }
        int portStart;
        if (host.charAt(0) == '[') {
            int close = host.indexOf(']');
            if (close < 2) {
                return false;
            }
            for (int i = 1; i < close; i++) {
                char c = host.charAt(i);
                if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                    return false;
                }
            }
            portStart = close + 1;
        } else {
            portStart = 0;
            while (portStart < n && host.charAt(portStart) != ':') {
                char c = host.charAt(portStart);
                boolean ok = (c >= 'a' && c <= 'z')
                        || (c >= 'A' && c <= 'Z')
                        || (c >= '0' && c <= '9')
                        || "-._~!$&'()*+,;=%".indexOf(c) >= 0;
                if (!ok) {
                    return false;
                }
                portStart++;
            }
            if (portStart == 0) {
                return false;
            }
        }
        if (portStart == n) {
            return true;
        }
        if (host.charAt(portStart) != ':' || n - portStart - 1 > 5) {
            return false;
        }
        for (int i = portStart + 1; i < n; i++) {
            if (host.charAt(i) < '0' || host.charAt(i) > '9') {
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
