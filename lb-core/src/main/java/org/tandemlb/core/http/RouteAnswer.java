package org.tandemlb.core.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.tandemlb.core.config.Cidr;
import org.tandemlb.core.config.RouteConfig;
import org.tandemlb.core.proxy.Refusal;

/**
 * What a matched route answers by itself, without a server: its {@code redirect}, its
 * {@code deny}, or 403 for a client outside its {@code allow_from} networks. The client's address
 * is the one its connection's PROXY header carried, when the frontend has {@code accept_proxy}.
 */
final class RouteAnswer {
    private RouteAnswer() {}

    /**
     * The decision of {@code route} when it answers {@code req} itself, or null when the request
     * goes on to the route's backend (or, with no route, the default backend). A denial is
     * {@code denied} in the access log and the refusal metric whatever status the route answers
     * with ({@code deny: 404} too); a redirect is no refusal.
     */
    static Admission.Decision of(RouteConfig route, HttpRequest req, ClientIdentity id, ByteBufAllocator alloc) {
        if (route == null) {
            return null;
        }
        if (!route.allowFrom().isEmpty() && !Cidr.anyContains(route.allowFrom(), id.key())) {
            return denied(route, ErrorResponses.of(alloc, HttpResponseStatus.FORBIDDEN));
        }
        if (route.denyStatus() != 0) {
            return denied(route, ErrorResponses.of(alloc, HttpResponseStatus.valueOf(route.denyStatus())));
        }
        if (route.redirect() != null) {
            String location = location(route.redirect(), req, id.forwardedProto());
            if (location == null) {
                return new Admission.Decision(
                        route,
                        null,
                        ErrorResponses.of(alloc, HttpResponseStatus.BAD_REQUEST),
                        "bad_request",
                        Refusal.BAD_REQUEST);
            }
            FullHttpResponse r = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(route.redirect().code()),
                    Unpooled.EMPTY_BUFFER);
            r.headers()
                    .set(HttpHeaderNames.LOCATION, location)
                    .set(HttpHeaderNames.CONTENT_LENGTH, 0)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            return new Admission.Decision(route, null, r, "redirect", null);
        }
        return null;
    }

    private static Admission.Decision denied(RouteConfig route, FullHttpResponse answer) {
        return new Admission.Decision(route, null, answer, "denied", Refusal.DENIED);
    }

    /**
     * The redirect's location with its placeholders replaced, or null when the request lacks what
     * it needs (no valid Host for {@code {host}}) or the result would hold a control character.
     */
    static String location(RouteConfig.Redirect redirect, HttpRequest req, String scheme) {
        String template = redirect.location();
        StringBuilder out = new StringBuilder(template.length() + 32);
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c != '{') {
                out.append(c);
                continue;
            }
            int end = template.indexOf('}', i);
            switch (template.substring(i + 1, end)) {
                case "scheme" -> out.append(scheme);
                case "host" -> {
                    String host = req.headers().get(HttpHeaderNames.HOST);
                    if (host == null || !HttpsRedirect.HOST.matcher(host.trim()).matches()) {
                        return null;
                    }
                    out.append(host.trim());
                }
                case "path" -> out.append(path(req.uri(), redirect.stripQuery()));
                default -> throw new IllegalStateException("placeholder checked with the configuration");
            }
            i = end;
        }
        for (int i = 0; i < out.length(); i++) {
            char c = out.charAt(i);
            if (c <= 0x20 || c == 0x7f) {
                return null;
            }
        }
        return out.toString();
    }

    /** The path and query of a request target (origin or absolute form), without the query when asked. */
    private static String path(String uri, boolean stripQuery) {
        String p = uri;
        if (!p.startsWith("/")) {
            int scheme = p.indexOf("://");
            int slash = scheme < 0 ? -1 : p.indexOf('/', scheme + 3);
            p = slash < 0 ? "/" : p.substring(slash);
        }
        int q = p.indexOf('?');
        return stripQuery && q >= 0 ? p.substring(0, q) : p;
    }
}
