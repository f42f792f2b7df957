package org.tandemlb.core.http;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Why a request head was refused by {@link RequestHeadCheck}, carried as the cause of the
 * decoder's failed result: the status to answer and a short reason for the debug log. Made
 * without a stack trace (a client can send many).
 */
final class RequestRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;

    RequestRefused(HttpResponseStatus status, String why) {
        super(why, null, false, false);
        this.status = status.code();
    }

    /** The status that answers the request. */
    HttpResponseStatus status() {
        return HttpResponseStatus.valueOf(status);
    }
}
