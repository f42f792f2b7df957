package org.tandemlb.core.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.RouteConfig;
import org.tandemlb.core.proxy.ClientGuard;
import org.tandemlb.core.proxy.Refusal;

/**
 * What becomes of a request before it gets an exchange, the same for an HTTP/1.1 request and an
 * HTTP/2 stream, in this order: refused as malformed or ambiguous ({@link RequestPolicy}) or too
 * large ({@link RequestLimits}); refused past the client's request rate
 * ({@code limits.per_client}); redirected by {@code redirect_https}; answered by its route
 * ({@link RouteAnswer}: a redirect, a deny, a client outside {@code allow_from}); else admitted,
 * to its route (or, with none, the default backend). The client side answers as its protocol
 * does (HTTP/1.1 then closes, an HTTP/2 stream ends).
 */
final class Admission {
    private Admission() {}

    /**
     * The decision on one request.
     *
     * @param route       the route it takes when admitted (null: the default backend)
     * @param badRequest  the status of a malformed, ambiguous or too large request, or null
     * @param answer      Tandem's answer to a request refused otherwise, or null
     * @param termination the access log's termination of that answer
     * @param refusal     the reason that answer is counted under in
     *                    {@code tandem_frontend_requests_refused_total}, or null (a redirect)
     */
    record Decision(
            RouteConfig route,
            HttpResponseStatus badRequest,
            FullHttpResponse answer,
            String termination,
            Refusal refusal) {
        boolean admitted() {
            return badRequest == null && answer == null;
        }
    }

    /**
     * Decides on {@code req} ({@code req} null: a head that could not be read, a bad request),
     * which came on client connection {@code connection}: a well-formed request is checked
     * against {@code limits.per_client} ({@link ClientGuard#admits}).
     *
     * @param alloc the allocator of the answers
     */
    static Decision of(
            HttpRequest req,
            FrontendConfig frontend,
            Router router,
            ClientIdentity identity,
            ByteBufAllocator alloc,
            Channel connection) {
        HttpResponseStatus invalid = req == null ? HttpResponseStatus.BAD_REQUEST : RequestPolicy.validate(req);
        if (invalid == null) {
            invalid = RequestLimits.check(req, frontend.limits());
        }
        if (invalid != null) {
            return new Decision(null, invalid, null, "bad_request", Refusal.of(invalid));
        }
        if (!ClientGuard.admits(connection, frontend.limits().perClient().requestsPerSecond())) {
            return new Decision(
                    null,
                    null,
                    ErrorResponses.of(alloc, HttpResponseStatus.TOO_MANY_REQUESTS),
                    "rate_limited",
                    Refusal.RATE_LIMITED);
        }
        if (frontend.redirectHttps()) {
            FullHttpResponse redirect = HttpsRedirect.of(req, frontend.redirectHttpsPort());
            return redirect == null
                    // no host to go to
                    ? new Decision(null, HttpResponseStatus.BAD_REQUEST, null, "bad_request", Refusal.BAD_REQUEST)
                    : new Decision(null, null, redirect, "redirect", null);
        }
        RouteConfig route = router.route(req, identity.key());
        Decision answered = RouteAnswer.of(route, req, identity, alloc);
        return answered != null ? answered : new Decision(route, null, null, null, null);
    }

    /** The backend an admitted request goes to: its route's, or the default; null for none. */
    static String backend(Decision d, Router router) {
        return d.route() == null ? router.defaultBackend() : d.route().backend();
    }
}
