package org.tandemlb.core.http;

import io.netty.handler.codec.http.HttpRequest;

/**
 * Chooses the backend of a request. The HTTP path asks, the frontend answers (its routing rules
 * are configuration of the frontend, not of a protocol); an HTTP/1.1 request and an HTTP/2
 * stream ask alike.
 */
@FunctionalInterface
public interface Router {
    /**
     * The name of the backend for a request.
     *
     * @param request the request head (an HTTP/2 stream's, converted, has its {@code :authority}
     *                as {@code Host}); the router reads it only
     * @return the backend's name, or null when the request goes nowhere (then 503)
     */
    String backendFor(HttpRequest request);
}
