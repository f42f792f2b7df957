package org.tandemlb.core.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tandemlb.core.config.FrontendConfig;

/**
 * The answer of a {@code redirect_https} frontend: {@code 308 Permanent Redirect} (which, unlike
 * 301, keeps the method and body, RFC 9110 §15.4.9) to {@code https://} the same host and the
 * same path and query. The request's port is dropped: the redirect goes to port 443, or to the
 * frontend's {@code redirect_https_port}.
 */
final class HttpsRedirect {
    /**
     * A host as RFC 3986 §3.2.2 allows it in a URI (a name or IPv4 address, or an IPv6 literal in
     * brackets), with an optional port. Nothing else is copied into a Location header.
     */
    static final Pattern HOST = Pattern.compile("([A-Za-z0-9._~-]+|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]*)?");
    /** An absolute-form target (RFC 9112 §3.2.2): scheme, authority, then the path and query. */
    private static final Pattern ABSOLUTE = Pattern.compile("(?i)https?://([^/?#]*)([^#]*)");

    private HttpsRedirect() {}

    /** The {@code Strict-Transport-Security} value of {@code frontend}'s {@code hsts}, or null. */
    static AsciiString strictTransportSecurity(FrontendConfig frontend) {
        return frontend.hsts() == null
                ? null
                : AsciiString.of("max-age=" + frontend.hsts().toSeconds());
    }

    /**
     * The redirect of {@code req}, or null when it names no valid host to redirect to (the
     * caller answers 400). The host is the absolute-form target's when it has one, the
     * {@code Host} header's otherwise.
     *
     * @param port the port of the {@code https://} URL, or 0 to write none (443)
     */
    static FullHttpResponse of(HttpRequest req, int port) {
        String uri = req.uri();
        String host = req.headers().get(HttpHeaderNames.HOST);
        String pathAndQuery;
        Matcher absolute = ABSOLUTE.matcher(uri);
        if (absolute.matches()) {
            host = absolute.group(1);
            pathAndQuery = absolute.group(2).isEmpty() ? "/" : absolute.group(2);
        } else if (uri.startsWith("/")) {
            pathAndQuery = uri;
        } else {
            pathAndQuery = "/"; // OPTIONS * (asterisk-form): the site's root
        }
        Matcher m = host == null ? null : HOST.matcher(host.trim());
        if (m == null || !m.matches()) {
            return null;
        }
        String location = "https://" + m.group(1) + (port == 0 ? "" : ":" + port) + pathAndQuery;
        FullHttpResponse r = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.PERMANENT_REDIRECT, Unpooled.EMPTY_BUFFER);
        r.headers()
                .set(HttpHeaderNames.LOCATION, location)
                .set(HttpHeaderNames.CONTENT_LENGTH, 0)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return r;
    }
}
