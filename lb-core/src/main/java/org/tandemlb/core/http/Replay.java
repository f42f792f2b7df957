package org.tandemlb.core.http;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Whether an {@link Exchange}'s request may be sent again on a new server connection: a pooled
 * connection can be closed by the server just as it is reused, before it answered; the request
 * then goes again once, when it is idempotent (RFC 9110 §9.2.2), complete and bodyless (nothing
 * of it had to be kept). Connect failures are retried by {@code ConnectAttempt}, not here.
 */
final class Replay {
    private final boolean idempotent;
    private boolean bodyless = true;
    private boolean reused;
    private boolean replayed;

    Replay(HttpMethod method) {
        this.idempotent = RequestPolicy.idempotent(method);
    }

    /** A piece of the request body (or its end) came from the client. */
    void content(HttpContent content) {
        bodyless &= !content.content().isReadable()
                && (!(content instanceof LastHttpContent last)
                        || last.trailingHeaders().isEmpty());
    }

    /** The request goes to a server connection, a pooled one when {@code wasReused}. */
    void connected(boolean wasReused) {
        reused = wasReused;
    }

    /** Whether this is the second sending (which goes on a new connection, head and empty end only). */
    boolean replayed() {
        return replayed;
    }

    /**
     * The server connection closed before any response: whether to send the request again (then
     * recorded as replayed).
     *
     * @param requestComplete whether the request was read whole
     * @param upgrade         whether it asks for a protocol switch (never replayed)
     */
    boolean replayAfterClose(boolean requestComplete, boolean upgrade) {
        if (reused && !replayed && requestComplete && bodyless && !upgrade && idempotent) {
            replayed = true;
            return true;
        }
        return false;
    }
}
