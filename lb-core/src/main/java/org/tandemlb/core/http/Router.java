package org.tandemlb.core.http;

import io.netty.handler.codec.http.HttpRequest;
import org.tandemlb.core.config.RouteConfig;

/**
 * Chooses the route of a request. The HTTP path asks, the frontend answers (its routing rules
 * are configuration of the frontend, not of a protocol); an HTTP/1.1 request and an HTTP/2
 * stream ask alike.
 */
public interface Router {
    /**
     * The first route a request matches.
     *
     * @param request the request head (an HTTP/2 stream's, converted, has its {@code :authority}
     *                as {@code Host}); the router reads it only
     * @param client  the client's address bytes (4 or 16; the PROXY header's with
     *                {@code accept_proxy}; empty when unknown), for a route's {@code source}
     * @return the route, or null when none matches (the request goes to {@link #defaultBackend()})
     */
    RouteConfig route(HttpRequest request, byte[] client);

    /** The backend of requests no route matches, or null for none (then 503). */
    String defaultBackend();

    /**
     * The name of the backend for a request from {@code client}: its route's, or the default.
     *
     * @return the backend's name, or null when the request goes nowhere (then 503)
     */
    default String backendFor(HttpRequest request, byte[] client) {
        RouteConfig r = route(request, client);
        return r == null ? defaultBackend() : r.backend();
    }
}
