package org.tandemlb.core.http;

import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * The HEADERS and DATA frames of one HTTP/2 stream on their way in: handed to the stream as they
 * come while it is read, kept in order while it is not (its server takes no more request body
 * now). The stream gives back flow-control window only for the frames it handled, so a client
 * whose stream is not read stops at its window, and what is kept here stays within it.
 *
 * <p>On the connection's event loop only.
 */
final class Http2Inbound {
    private final Consumer<Http2StreamFrame> handler;
    private boolean reading = true;
    /** Frames that came while the stream was not read, in order; null while none wait. */
    private ArrayDeque<Http2StreamFrame> waiting;
    /** Frames came in the connection's current read (its end is then due to the stream). */
    private boolean inThisRead;

    private boolean closed;

    /** @param handler handles a frame of the stream (and releases it) */
    Http2Inbound(Consumer<Http2StreamFrame> handler) {
        this.handler = handler;
    }

    /** Whether this is the stream's first frame in the connection's current read. */
    boolean firstInThisRead() {
        if (inThisRead) {
            return false;
        }
        inThisRead = true;
        return true;
    }

    /** The connection's read is over. */
    void readComplete() {
        inThisRead = false;
    }

    /** A frame of the stream: handled now, or kept while the stream is not read. */
    void frame(Http2StreamFrame frame) {
        if (closed) {
            ReferenceCountUtil.release(frame);
        } else if (reading && waiting == null) {
            handler.accept(frame);
        } else {
            if (waiting == null) {
                waiting = new ArrayDeque<>(4);
            }
            waiting.add(frame);
        }
    }

    /**
     * Reads the stream or stops reading it. Resumed, it hands over the frames kept meanwhile, as
     * long as the stream goes on reading.
     *
     * @return whether kept frames were handed over (what they led to is to be flushed)
     */
    boolean reading(boolean read) {
        if (read == reading) {
            return false;
        }
        reading = read;
        if (!read || waiting == null) {
            return false;
        }
        ArrayDeque<Http2StreamFrame> w = waiting;
        while (reading && !closed) {
            Http2StreamFrame f = w.poll();
            if (f == null) {
                waiting = null;
                break;
            }
            handler.accept(f);
        }
        return true;
    }

    /** The stream closed: kept frames are released, later ones too. */
    void close() {
        closed = true;
        ArrayDeque<Http2StreamFrame> w = waiting;
        waiting = null;
        if (w != null) {
            w.forEach(ReferenceCountUtil::release);
        }
    }
}
