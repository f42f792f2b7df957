package org.tandemlb.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * Writes an exchange's response objects (head, content, last content with trailers) to an HTTP/2
 * stream as HEADERS and DATA frames, through its connection to the codec, not flushed: the head without its
 * connection-specific headers ({@link Http2Messages}), a 1xx head without END_STREAM, empty
 * content skipped, END_STREAM on the last frame. Counts the body bytes for the access log.
 */
final class Http2ResponseFrames {
    private final Http2Connection connection;
    private final Http2FrameStream stream;
    private long bytesOut;
    /** The response's last frame was written. */
    private boolean ended;

    Http2ResponseFrames(Http2Connection connection, Http2FrameStream stream) {
        this.connection = connection;
        this.stream = stream;
    }

    private void write(Http2StreamFrame frame) {
        connection.write(frame.stream(stream));
    }

    /** Whether the response's last frame was written. */
    boolean ended() {
        return ended;
    }

    /** Body bytes written since the last call. */
    long takeBytesOut() {
        long n = bytesOut;
        bytesOut = 0;
        return n;
    }

    /**
     * Writes a response head or content as frames.
     *
     * @param requestEnded whether the client ended its side of the stream (if not, the stream is
     *                     reset once the response's last frame is out)
     */
    void write(Object msg, boolean requestEnded) {
        if (msg instanceof HttpResponse resp) {
            writeHead(resp, requestEnded);
        } else if (msg instanceof HttpContent c) {
            writeContent(c, requestEnded);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void writeHead(HttpResponse resp, boolean requestEnded) {
        Http2Headers h = Http2Messages.responseHeaders(resp);
        boolean informational = resp.status().codeClass() == HttpStatusClass.INFORMATIONAL;
        if (resp instanceof FullHttpResponse full) {
            boolean empty =
                    !full.content().isReadable() && full.trailingHeaders().isEmpty();
            write(new DefaultHttp2HeadersFrame(h, empty && !informational));
            if (empty) {
                full.release();
                ended = !informational;
                if (ended) {
                    endIfRequestOpen(null, requestEnded);
                }
            } else {
                writeContent(full, requestEnded);
            }
            return;
        }
        write(new DefaultHttp2HeadersFrame(h, false));
    }

    private void writeContent(HttpContent c, boolean requestEnded) {
        ByteBuf data = c.content();
        if (!(c instanceof LastHttpContent last)) {
            if (data.isReadable()) {
                bytesOut += data.readableBytes();
                write(new DefaultHttp2DataFrame(data, false));
            } else {
                data.release();
            }
            return;
        }
        bytesOut += data.readableBytes();
        ended = true;
        HttpHeaders trailers = last.trailingHeaders();
        if (trailers.isEmpty()) {
            endIfRequestOpen(new DefaultHttp2DataFrame(data, true), requestEnded);
            return;
        }
        Http2Headers t = Http2Messages.trailers(trailers);
        if (data.isReadable()) {
            write(new DefaultHttp2DataFrame(data, false));
        } else {
            data.release();
        }
        endIfRequestOpen(new DefaultHttp2HeadersFrame(t, true), requestEnded);
    }

    /**
     * Writes the response's last frame ({@code last} null when written already). When the client
     * has not ended its side (a response that came before the request body's end), the stream is
     * reset (NO_ERROR) once the frame is out, so that the client stops sending (RFC 9113 §8.1).
     */
    private void endIfRequestOpen(Http2StreamFrame last, boolean requestEnded) {
        if (requestEnded) {
            if (last != null) {
                write(last);
            }
            return;
        }
        if (last == null) {
            connection.reset(stream, Http2Error.NO_ERROR);
            return;
        }
        connection.writeObserved(last.stream(stream)).addListener(f -> connection.reset(stream, Http2Error.NO_ERROR));
    }
}
