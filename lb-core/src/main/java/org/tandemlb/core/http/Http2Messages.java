package org.tandemlb.core.http;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;
import java.util.Map;

/**
 * Converts between an HTTP/2 stream's header blocks and the HTTP/1.1 message objects an
 * {@link Exchange} works with: a request's pseudo-headers become its request line and
 * {@code Host}, several {@code cookie} fields are joined (RFC 9113 §8.2.3); a response's
 * connection-specific headers ({@code Connection}, {@code Transfer-Encoding}, {@code Keep-Alive},
 * {@code Upgrade}, ...), which the exchange's HTTP/1.1 re-framing writes, are dropped (RFC 9113
 * §8.2.2) by Netty's conversion.
 *
 * <p>What reaches a server is written out as an HTTP/1.1 request line and header fields, so a
 * request is checked here for what HTTP/2 lets through but HTTP/1.1 would read differently: a
 * {@code :path} with a space or a control character, a header name or value with a CR, LF or
 * NUL (Netty's HPACK decoder checks names, not values), a {@code Host} that disagrees with
 * {@code :authority} (RFC 9113 §8.3.1). Such a request is malformed: {@link #request} answers null.
 */
final class Http2Messages {
    /** Validates names (token characters) and values (no CR, LF, NUL or other control character). */
    private static final HttpHeadersFactory HEADERS =
            DefaultHttpHeadersFactory.headersFactory().withValidation(true);

    private static final AsciiString COOKIE = AsciiString.cached("cookie");
    /** The version of the requests HTTP/2 streams bring, as the access log shows it. */
    static final HttpVersion HTTP_2 = HttpVersion.valueOf("HTTP/2.0");

    private Http2Messages() {}

    /**
     * Whether a request header block lacks what RFC 9113 §8.3.1 requires of every request: one
     * {@code :method} that is a token, and a non-empty {@code :scheme} and {@code :path} unless it
     * is {@code CONNECT} ({@code :authority} then). Such a request is malformed (§8.1.1): the
     * stream is reset with {@code PROTOCOL_ERROR}, as the codec resets one with pseudo-header
     * fields repeated, unknown or after a regular field.
     */
    static boolean malformed(Http2Headers h) {
        CharSequence method = h.method();
        if (method == null || method.length() == 0) {
            return true;
        }
        for (int i = 0; i < method.length(); i++) {
            char c = method.charAt(i);
            if (c > 0x7f || !FieldSyntax.token((byte) c)) {
                return true;
            }
        }
        if (HttpMethod.CONNECT.asciiName().contentEquals(method)) {
            return h.authority() == null;
        }
        CharSequence scheme = h.scheme();
        CharSequence path = h.path();
        return scheme == null || scheme.length() == 0 || path == null || path.length() == 0;
    }

    /**
     * The HTTP/1.1 request of a stream's request header block that is not {@link #malformed}, or
     * null when HTTP/1.1 would refuse it (the caller answers 400). Its protocol version is
     * {@link #HTTP_2}, for the access log, until the exchange's rewrite makes it HTTP/1.1, the
     * server side's language; a body without {@code content-length} ({@code endStream} false) is
     * sent to the server chunked.
     */
    static HttpRequest request(Http2Headers h, boolean endStream) {
        HttpMethod method = HttpMethod.valueOf(h.method().toString()); // a token: not malformed
        CharSequence path = h.path();
        if (method.equals(HttpMethod.CONNECT)) {
            path = h.authority(); // refused later (405), as on HTTP/1.1
        } else if (!validTarget(path) || (path.charAt(0) != '/' && !(path.length() == 1 && path.charAt(0) == '*'))) {
            return null;
        }
        if (h.contains(HttpHeaderNames.TRANSFER_ENCODING) || h.contains(HttpHeaderNames.CONNECTION)) {
            return null; // connection-specific (RFC 9113 §8.2.2); the codec refuses them too
        }
        HttpHeaders out = HEADERS.newHeaders();
        StringBuilder cookies = null;
        try {
            for (Map.Entry<CharSequence, CharSequence> e : h) {
                CharSequence name = e.getKey();
                if (name.length() > 0 && name.charAt(0) == ':') {
                    continue; // pseudo-headers: checked by the HPACK decoder, read above
                }
                if (COOKIE.contentEquals(name)) {
                    cookies = cookies == null
                            ? new StringBuilder(e.getValue())
                            : cookies.append("; ").append(e.getValue());
                    continue;
                }
                out.add(name, e.getValue());
            }
            if (cookies != null) {
                out.add(HttpHeaderNames.COOKIE, cookies.toString());
            }
            CharSequence authority = h.authority();
            if (authority == null && !out.contains(HttpHeaderNames.HOST)) {
                return null; // the server needs a Host (RFC 9113 §8.3.1 lets HTTP/2 omit both)
            }
            if (authority != null) {
                String host = out.get(HttpHeaderNames.HOST);
                if (host != null && !host.contentEquals(authority)) {
                    return null;
                }
                out.set(HttpHeaderNames.HOST, authority);
            }
        } catch (IllegalArgumentException e) {
            return null; // a name or value that HTTP/1.1 would not read as sent
        }
        if (!endStream && !out.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            // A body of unannounced length (DATA frames until END_STREAM): chunked to the server.
            out.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        return new DefaultHttpRequest(HTTP_2, method, path.toString(), out);
    }

    /** Whether every character of a request target is visible ASCII (no space, no control). */
    private static boolean validTarget(CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** The HTTP/2 header block of a response head, without its connection-specific headers. */
    static Http2Headers responseHeaders(HttpResponse response) {
        return HttpConversionUtil.toHttp2Headers(response, false);
    }

    /** The HTTP/2 header block of trailers. */
    static Http2Headers trailers(HttpHeaders trailers) {
        return HttpConversionUtil.toHttp2Headers(trailers, false);
    }

    /**
     * A request's trailers (a header block that ends the stream after its head) as the last
     * content of the request, or null when they are malformed: a pseudo-header, or a name or
     * value with a character HTTP/1.1 would read differently (the caller answers 400).
     */
    static LastHttpContent requestTrailers(Http2Headers block) {
        LastHttpContent trailers = new DefaultLastHttpContent();
        HttpHeaders t = trailers.trailingHeaders();
        try {
            for (Map.Entry<CharSequence, CharSequence> e : block) {
                if (e.getKey().length() > 0 && e.getKey().charAt(0) == ':') {
                    return null;
                }
                t.add(e.getKey(), e.getValue());
            }
        } catch (IllegalArgumentException e) {
            return null;
        }
        return trailers;
    }
}
