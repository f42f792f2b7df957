package org.tandemlb.core.proxy;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Why a frontend refused a request or a connection: the {@code reason} label of
 * {@code tandem_frontend_requests_refused_total}, a bounded set.
 */
public enum Refusal {
    /** Malformed or ambiguous (400), or a method or coding Tandem does not proxy (405, 501). */
    BAD_REQUEST("bad_request"),
    /** Past a size limit: head (431), target (414) or body (413). */
    TOO_LARGE("too_large"),
    /** The request head or body did not arrive in time (408). */
    TIMEOUT("timeout"),
    /** Past a per-client limit (429, or a close in tcp mode). */
    RATE_LIMITED("rate_limited"),
    /** Refused by a rule (403). */
    DENIED("denied");

    private final String label;

    Refusal(String label) {
        this.label = label;
    }

    /** The metric's label. */
    public String label() {
        return label;
    }

    /**
     * The refusal a status of Tandem's own stands for, or null when it is none (a 502, 503 or 504
     * is the servers' failure, not the client's).
     */
    public static Refusal of(HttpResponseStatus status) {
        return switch (status.code()) {
            case 400, 405, 501 -> BAD_REQUEST;
            case 413, 414, 431 -> TOO_LARGE;
            case 408 -> TIMEOUT;
            case 429 -> RATE_LIMITED;
            case 403 -> DENIED;
            default -> null;
        };
    }
}
