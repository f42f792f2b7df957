package org.tandemlb.core.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.proxy.DeferredFlush;

/**
 * What an {@link Exchange} needs from the client it serves, and all it knows of it: an HTTP/1.1
 * connection ({@link Http1Connection}) implements it for its current request, an HTTP/2 stream
 * ({@link Http2Stream}) for its own. The exchange writes the response as Netty's HTTP objects (head, content,
 * last content); re-framing them for the wire, reading the request, timing the client, keep-alive
 * and pipelining are the client side's.
 *
 * <p>Called on the client's event loop only. The calls that end the exchange
 * ({@link #responseEnded}, {@link #respondError}, {@link #abort}, {@link #upgraded}) come at most
 * once between them.
 */
interface ClientSide {
    /**
     * The client connection, whose event loop serves the exchange (for HTTP/2, the stream's
     * connection): the server connection is opened or taken from the pool on its event loop.
     */
    Channel channel();

    /** The deferred flush of the channel's event loop. */
    DeferredFlush flusher();

    /** Who the client is: its address, the frontend, the connection's TLS. */
    ClientIdentity identity();

    /** Bytes read from the client since the last call: the exchange's share, for its access-log entry. */
    long takeBytesIn();

    /** Bytes written to the client since the last call: the exchange's share, for its access-log entry. */
    long takeBytesOut();

    /** Whether the client side is closing once this response is done (its response then says so). */
    boolean draining();

    /** Writes a response head, content or last content (or, after a 101, tunnel bytes); not flushed. */
    void write(Object msg);

    /** Flushes what was written, with the event loop's batch ({@link DeferredFlush}). */
    default void flush() {
        flusher().flush(channel());
    }

    /** Whether the client takes more now; the exchange stops reading the server while it does not. */
    default boolean isWritable() {
        return channel().isWritable();
    }

    /** The exchange's state changed in a way that may change whether the client should be read. */
    void updateRead();

    /**
     * The response was written whole and the exchange is over.
     *
     * @param keepAlive whether the client may send another request (the response said so)
     */
    void responseEnded(boolean keepAlive);

    /**
     * The exchange failed: answer {@code status} (or, once the response has started, cut it
     * short) and close; the exchange is logged as {@code termination}.
     */
    void respondError(HttpResponseStatus status, String termination);

    /** The exchange failed after its response started: close, logged as {@code termination}. */
    void abort(String termination);

    /**
     * The server switched protocols (101 written): the server connection, out of HTTP but for
     * its decoder, becomes the other end of a byte tunnel.
     *
     * @param server        the server connection
     * @param serverDecoder the name of the server pipeline's decoder
     * @param slot          the server whose slot the connection holds
     * @param idleTimeout   the tunnel's inactivity timeout
     */
    void upgraded(Channel server, String serverDecoder, Server slot, Duration idleTimeout);
}
