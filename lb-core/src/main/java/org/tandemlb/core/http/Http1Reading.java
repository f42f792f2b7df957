package org.tandemlb.core.http;

import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * When an HTTP/1.1 client connection is read, and what it read ahead of its turn. It is read
 * while a request head is awaited; while a request body is streamed to a connected, writable
 * server; and, once a request has been read whole (or has no body), until something more arrives:
 * that is the next request (pipelined), which waits here (one read's worth at most) until the
 * response is done, so that responses keep their order.
 *
 * <p>Reading on after a request is HAProxy's way too, and it matters: switching reading off and
 * on for every request is two {@code epoll_ctl} calls per request on the client socket. An
 * upgrade request is the exception: what follows it belongs to the tunnel, not to HTTP.
 *
 * <p>On the connection's event loop only.
 */
final class Http1Reading {
    private final ArrayDeque<Object> pending = new ArrayDeque<>();

    /**
     * Keeps {@code msg} for later when it comes while {@code current}'s request was read whole
     * or others wait already.
     *
     * @return whether it was kept
     */
    boolean holds(Exchange current, Object msg) {
        if (current != null && (current.requestComplete() || !pending.isEmpty())) {
            pending.add(msg);
            return true;
        }
        return false;
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    /** The oldest message kept, or null. */
    Object next() {
        return pending.poll();
    }

    /** Releases what is kept (the connection closes or leaves HTTP). */
    void release() {
        Object m;
        while ((m = pending.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
    }

    /**
     * Reads {@code client} or not, as said above.
     *
     * @param awaitingHead whether the connection waits for a request head
     * @param current      the exchange whose request is being read, or null
     */
    void update(Channel client, boolean awaitingHead, Exchange current) {
        boolean read = pending.isEmpty()
                && (awaitingHead || (current != null && (current.requestDone() || current.takesRequestBody())));
        if (client.config().isAutoRead() != read) {
            client.config().setAutoRead(read);
        }
    }
}
