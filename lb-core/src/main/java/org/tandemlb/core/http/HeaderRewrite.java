package org.tandemlb.core.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

/**
 * The header changes the {@code http} mode makes to every message it forwards (docs/behaviour.md, "HTTP"):
 * hop-by-hop headers removed both ways; {@code X-Forwarded-For}, {@code X-Forwarded-Proto} and
 * {@code X-Forwarded-Host} added to requests. Bodies are never touched: only the decoded head is
 * edited in place, and the codec writes it out again.
 *
 * <p>Public so that benchmarks (examples/bench, JMH) and embedders measure or reuse exactly what
 * the proxy runs. The methods answer with bit flags rather than an object, because they run
 * twice per proxied request and the common cases allocate nothing.
 */
public final class HeaderRewrite {
    /** Request: the client keeps its connection open after this exchange. */
    public static final int CLIENT_KEEP_ALIVE = 1;
    /** Request: the client asks to switch protocols ({@code Connection: upgrade} and {@code Upgrade}). */
    public static final int UPGRADE = 2;
    /** Response: the server keeps its connection open after this response. */
    public static final int SERVER_KEEP_ALIVE = 4;

    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");

    private HeaderRewrite() {}

    /**
     * Rewrites a client's request head for a server: removes the hop-by-hop headers (keeping
     * {@code Upgrade} for an upgrade), appends the client address to {@code X-Forwarded-For} (as
     * Nginx's {@code $proxy_add_x_forwarded_for}), sets {@code X-Forwarded-Proto} and
     * {@code X-Forwarded-Host} (the client's {@code Host}), and makes the request HTTP/1.1 (the
     * server connection is a pooled HTTP/1.1 one whatever the client speaks).
     *
     * @param request        the decoded request, edited in place
     * @param clientAddress  the client's IP address as text, or null when unknown (no
     *                       {@code X-Forwarded-For} is added then)
     * @param forwardedProto {@code http} or {@code https}
     * @return {@link #CLIENT_KEEP_ALIVE} and {@link #UPGRADE} flags, as the request asked
     *         before its {@code Connection} header was removed
     */
    public static int request(HttpRequest request, CharSequence clientAddress, CharSequence forwardedProto) {
        HttpHeaders h = request.headers();
        HopByHop.Tokens tokens = HopByHop.connectionTokens(h);
        boolean http10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
        int flags = 0;
        // As HttpUtil.isKeepAlive: "close" wins; HTTP/1.0 keeps alive only when it asks to.
        if (!tokens.has(HopByHop.CLOSE) && (!http10 || tokens.has(HopByHop.KEEP_ALIVE))) {
            flags |= CLIENT_KEEP_ALIVE;
        }
        boolean upgrade = tokens.has(HopByHop.UPGRADE) && h.contains(HttpHeaderNames.UPGRADE);
        if (upgrade) {
            flags |= UPGRADE;
        }
        String originalHost = h.get(HttpHeaderNames.HOST);
        HopByHop.strip(h, tokens, upgrade);
        if (clientAddress != null) {
            String prior = h.get(X_FORWARDED_FOR);
            if (prior == null || prior.isBlank()) {
                h.set(X_FORWARDED_FOR, clientAddress);
            } else {
                h.set(X_FORWARDED_FOR, prior + ", " + clientAddress);
            }
        }
        h.set(X_FORWARDED_PROTO, forwardedProto);
        if (originalHost != null) {
            h.set(X_FORWARDED_HOST, originalHost);
        }
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
        return flags;
    }

    /**
     * Removes the hop-by-hop headers of a server's response head ({@code Upgrade} is kept after a
     * {@code 101} when {@code switching}).
     *
     * @return {@link #SERVER_KEEP_ALIVE} when the server keeps its connection open after this
     *         response ({@code HTTP/1.1} without {@code close}, or {@code keep-alive} listed)
     */
    public static int response(HttpResponse response, boolean switching) {
        HttpHeaders h = response.headers();
        HopByHop.Tokens tokens = HopByHop.connectionTokens(h);
        boolean keepAlive =
                !tokens.has(HopByHop.CLOSE) && !response.protocolVersion().equals(HttpVersion.HTTP_1_0)
                        || tokens.has(HopByHop.KEEP_ALIVE);
        HopByHop.strip(h, tokens, switching);
        return keepAlive ? SERVER_KEEP_ALIVE : 0;
    }
}
