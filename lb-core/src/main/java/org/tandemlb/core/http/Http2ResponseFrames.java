package org.tandemlb.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.ReferenceCountUtil;

/**
 * Writes an exchange's response objects (head, content, last content with trailers) to an HTTP/2
 * stream's channel as HEADERS and DATA frames, not flushed: the head without its
 * connection-specific headers ({@link Http2Messages}), a 1xx head without END_STREAM, empty
 * content skipped, END_STREAM on the last frame. Counts the body bytes for the access log.
 */
final class Http2ResponseFrames {
    private final Channel stream;
    private long bytesOut;
    /** The response's last frame was written. */
    private boolean ended;

    Http2ResponseFrames(Channel stream) {
        this.stream = stream;
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
            stream.write(new DefaultHttp2HeadersFrame(h, empty && !informational), stream.voidPromise());
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
        stream.write(new DefaultHttp2HeadersFrame(h, false), stream.voidPromise());
    }

    private void writeContent(HttpContent c, boolean requestEnded) {
        ByteBuf data = c.content();
        if (!(c instanceof LastHttpContent last)) {
            if (data.isReadable()) {
                bytesOut += data.readableBytes();
                stream.write(new DefaultHttp2DataFrame(data, false), stream.voidPromise());
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
            stream.write(new DefaultHttp2DataFrame(data, false), stream.voidPromise());
        } else {
            data.release();
        }
        endIfRequestOpen(new DefaultHttp2HeadersFrame(t, true), requestEnded);
    }

    /**
     * Writes the response's last frame ({@code last} null when written already). When the client
     * has not ended its side (a response that came before the request body's end), the stream is
     * reset once the frame is out, so that the client stops sending (RFC 9113 §8.1).
     */
    private void endIfRequestOpen(Object last, boolean requestEnded) {
        if (requestEnded) {
            if (last != null) {
                stream.write(last, stream.voidPromise());
            }
            return;
        }
        if (last == null) {
            stream.close();
            return;
        }
        stream.write(last).addListener(ChannelFutureListener.CLOSE);
    }
}
