package org.tandemlb.core.http;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * The request of an {@link Exchange} on its way to the server: its head, its body as the client
 * sends it (held until a server connection is ready: {@link HeldRequestBody}), whether it has been
 * read whole, and whether it may be sent again on a new connection ({@link Replay}).
 *
 * <p>On the client's event loop only.
 */
final class OutgoingRequest {
    private final HttpRequest head;
    /** Whether a body follows the head (a length above 0, or chunked framing). */
    private final boolean expectsBody;
    /** Whether it asks the server to switch protocols: what follows it is not HTTP. */
    private final boolean upgrade;

    private final HeldRequestBody held = new HeldRequestBody();
    private final Replay replay;
    private boolean complete;

    OutgoingRequest(HttpRequest head, boolean expectsBody, boolean upgrade) {
        this.head = head;
        this.expectsBody = expectsBody;
        this.upgrade = upgrade;
        this.replay = new Replay(head.method());
    }

    /** The request head, as it goes to the server. */
    HttpRequest head() {
        return head;
    }

    /** Whether it asks the server to switch protocols. */
    boolean upgrade() {
        return upgrade;
    }

    /** Whether the request has been read whole. */
    boolean complete() {
        return complete;
    }

    /**
     * Whether the request needs no more reading: it was read whole or announced no body, and it
     * is not an upgrade (what follows an upgrade is not HTTP).
     */
    boolean done() {
        return (complete || !expectsBody) && !upgrade;
    }

    /**
     * A piece of the body (or its end, with trailers) from the client: written to {@code server}
     * (not flushed), or held while it is null.
     *
     * @return whether it was the last
     */
    boolean content(HttpContent content, ServerLeg server) {
        replay.content(content);
        if (server == null) {
            held.add(content);
        } else {
            server.write(content);
        }
        boolean last = content instanceof LastHttpContent;
        complete |= last;
        return last;
    }

    /** Whether this is the second sending, which goes on a new connection. */
    boolean replayed() {
        return replay.replayed();
    }

    /**
     * Writes the head and what was held of the body to {@code server}, a pooled connection when
     * {@code wasReused}; not flushed.
     */
    void sendTo(ServerLeg server, boolean wasReused) {
        replay.connected(wasReused);
        server.write(head);
        if (replay.replayed()) {
            // Only a complete request without a body is replayed: its head and an empty end.
            server.write(LastHttpContent.EMPTY_LAST_CONTENT);
        } else {
            held.writeTo(server.channel());
        }
    }

    /**
     * The server connection closed before any response: whether to send the request again
     * ({@link Replay#replayAfterClose}).
     */
    boolean replayAfterClose() {
        return replay.replayAfterClose(complete, upgrade);
    }

    /** Releases what is held (the exchange ends). */
    void release() {
        held.release();
    }
}
