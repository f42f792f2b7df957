package org.tandemlb.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes Netty's HTTP message objects out as HTTP/1.1 bytes, in place of Netty's
 * {@code HttpRequestEncoder} and {@code HttpResponseEncoder}, for less: it runs twice per proxied
 * request, and Netty's encoders (a list and a buffer per message, a second buffer per piece of
 * content) were the largest Java cost left in the {@code http} mode (a profile under load put
 * them at a fifth of the proxy's user time).
 *
 * <p>A head is written into one buffer that is kept back until its message ends, the handler
 * flushes, or something that cannot join it is written: content of up to {@value #MERGE_LIMIT}
 * bytes written with a void promise is copied behind the head, so that a small message leaves as
 * one buffer (one {@code send} rather than a {@code writev}, one outbound entry rather than three).
 * Bytes therefore pass on in the order they were written, and by the end of the message at the
 * latest.
 *
 * <p>Body framing, as Netty's encoders: a message whose {@code Transfer-Encoding} is chunked has
 * its content chunk-framed and its end written as the last chunk with the trailers; any other
 * content goes out as it is. A response that never has a body (1xx other than a WebSocket 101 of
 * draft 00, 204, 205, 304, or the answer to {@code HEAD}: {@link #nextResponseAnswersHead}) gets
 * no body bytes, and its head is sanitised as Netty's: no {@code Content-Length} or
 * {@code Transfer-Encoding} on 1xx and 204, {@code Content-Length: 0} on 205. Header names and
 * values are written byte for byte (ISO-8859-1, the inverse of the decoders), so obsolete text in
 * a value or a URI passes unchanged. Anything else (a {@link ByteBuf} of an error answer or a
 * tunnel) goes out as it is, after what is kept back.
 */
final class MessageEncoder extends ChannelOutboundHandlerAdapter {
    /** Content up to this size, written right after its head, is copied into the head's buffer. */
    static final int MERGE_LIMIT = 8192;

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] COLON_SPACE = {':', ' '};
    private static final byte[] HTTP_1_1_LINE_END = " HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HTTP_1_0_LINE_END = " HTTP/1.0\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LAST_CHUNK = "0\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final ByteBuf CRLF_BUF = Unpooled.unreleasableBuffer(
                    Unpooled.directBuffer(2).writeBytes(CRLF))
            .asReadOnly();

    /** The head and merged content not passed on yet (null when nothing is kept back). */
    private ByteBuf pending;
    /** The message being written has its content chunk-framed. */
    private boolean chunked;
    /** The message being written has no body. */
    private boolean bodyless;
    /** The next response answers a {@code HEAD} request. */
    private boolean nextAnswersHead;
    /** The size of the last head written, to size the next one's buffer. */
    private int lastHeadSize = 256;

    MessageEncoder() {}

    /** The next final response answers a {@code HEAD} request ({@code true}): it has no body. */
    void nextResponseAnswersHead(boolean head) {
        nextAnswersHead = head;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpMessage m) {
            passOn(ctx);
            ByteBuf head = encodeHead(ctx, m);
            if (msg instanceof HttpContent c) {
                pending = head;
                writeContent(ctx, c, promise);
            } else if (promise.isVoid()) {
                pending = head;
            } else {
                ctx.write(head, promise);
            }
        } else if (msg instanceof HttpContent c) {
            writeContent(ctx, c, promise);
        } else {
            passOn(ctx);
            ctx.write(msg, promise);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        passOn(ctx);
        ctx.flush();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        discard();
        ctx.close(promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        // Removed for a tunnel, after a flush: nothing is kept back then; anything that is goes on.
        passOn(ctx);
    }

    private void passOn(ChannelHandlerContext ctx) {
        ByteBuf p = pending;
        if (p != null) {
            pending = null;
            ctx.write(p, ctx.voidPromise());
        }
    }

    private void discard() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }

    // ---- heads ----

    private ByteBuf encodeHead(ChannelHandlerContext ctx, HttpMessage m) {
        HttpHeaders headers = m.headers();
        if (m instanceof HttpResponse r) {
            bodyless = nextAnswersHead || alwaysEmpty(r);
            if (bodyless) {
                sanitise(r);
            }
            if (r.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
                nextAnswersHead = false; // the final answer to that request
            }
        } else {
            bodyless = false;
        }
        chunked = !bodyless && HttpUtil.isTransferEncodingChunked(m);
        int room = lastHeadSize + 64;
        if (!bodyless && !chunked) {
            long length = HttpUtil.getContentLength(m, -1L);
            if (length > 0 && length <= MERGE_LIMIT) {
                room += (int) length; // the body will most likely join its head
            }
        }
        ByteBuf buf = ctx.alloc().directBuffer(room);
        int start = buf.writerIndex();
        try {
            if (m instanceof HttpRequest req) {
                requestLine(buf, req);
            } else {
                statusLine(buf, (HttpResponse) m);
            }
            writeFields(buf, headers);
            buf.writeBytes(CRLF);
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
        lastHeadSize = buf.writerIndex() - start;
        return buf;
    }

    private static void requestLine(ByteBuf buf, HttpRequest req) {
        ByteBufUtil.copy(req.method().asciiName(), buf);
        buf.writeByte(' ');
        String uri = req.uri();
        if (uri.isEmpty()) {
            buf.writeByte('/');
        } else {
            buf.writeCharSequence(uri, StandardCharsets.ISO_8859_1);
            if (needsRootPath(uri)) {
                buf.writeByte('/'); // "http://host" is "http://host/" (RFC 9112 §3.2.2)
            }
        }
        buf.writeBytes(req.protocolVersion().equals(HttpVersion.HTTP_1_0) ? HTTP_1_0_LINE_END : HTTP_1_1_LINE_END);
    }

    /** An absolute-form URI without a path and without a query. */
    private static boolean needsRootPath(String uri) {
        if (uri.charAt(0) == '/') {
            return false;
        }
        int scheme = uri.indexOf("://");
        return scheme > 0 && uri.indexOf('/', scheme + 3) < 0 && uri.indexOf('?', scheme + 3) < 0;
    }

    private static void statusLine(ByteBuf buf, HttpResponse r) {
        write(buf, r.protocolVersion().text());
        buf.writeByte(' ');
        HttpResponseStatus status = r.status();
        ByteBufUtil.copy(status.codeAsText(), buf);
        buf.writeByte(' ');
        write(buf, status.reasonPhrase());
        buf.writeBytes(CRLF);
    }

    /** Writes a {@code name: value CRLF} line per header or trailer field. */
    private static void writeFields(ByteBuf buf, HttpHeaders fields) {
        if (fields instanceof HeadHeaders raw) {
            raw.writeTo(buf); // a server's: its values copied from the head's bytes
            return;
        }
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = fields.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            write(buf, e.getKey());
            buf.writeBytes(COLON_SPACE);
            write(buf, e.getValue());
            buf.writeBytes(CRLF);
        }
    }

    private static void write(ByteBuf buf, CharSequence s) {
        if (s instanceof AsciiString a) {
            ByteBufUtil.copy(a, buf);
        } else {
            buf.writeCharSequence(s, StandardCharsets.ISO_8859_1);
        }
    }

    private static boolean alwaysEmpty(HttpResponse r) {
        HttpResponseStatus status = r.status();
        int code = status.code();
        if (status.codeClass() == HttpStatusClass.INFORMATIONAL) {
            // A WebSocket handshake of draft 00 carries a body after its 101.
            return code != 101 || !r.headers().contains(HttpHeaderNames.SEC_WEBSOCKET_VERSION);
        }
        return code == 204 || code == 205 || code == 304;
    }

    private static void sanitise(HttpResponse r) {
        HttpResponseStatus status = r.status();
        if (status.codeClass() == HttpStatusClass.INFORMATIONAL || status.code() == 204) {
            r.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
            r.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
        } else if (status.code() == 205) {
            r.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        }
    }

    // ---- bodies ----

    private void writeContent(ChannelHandlerContext ctx, HttpContent c, ChannelPromise promise) {
        boolean last = c instanceof LastHttpContent;
        boolean endChunks = last && chunked;
        HttpHeaders trailers = endChunks ? ((LastHttpContent) c).trailingHeaders() : null;
        ByteBuf data = c.content();
        int n = bodyless ? 0 : data.readableBytes();
        ChannelPromise unused = promise; // the promise, until a write carries it
        if (n == 0) {
            c.release();
        } else if (pending != null && promise.isVoid() && n <= MERGE_LIMIT) {
            if (chunked) {
                chunkSize(pending, n);
                pending.writeBytes(data);
                pending.writeBytes(CRLF);
            } else {
                pending.writeBytes(data);
            }
            c.release();
        } else {
            passOn(ctx);
            if (chunked) {
                ByteBuf size = ctx.alloc().directBuffer(12);
                chunkSize(size, n);
                ctx.write(size, ctx.voidPromise());
                ctx.write(data, ctx.voidPromise());
                ctx.write(CRLF_BUF.duplicate(), endChunks ? ctx.voidPromise() : promise);
            } else {
                ctx.write(data, promise);
            }
            unused = endChunks ? promise : null;
        }
        if (endChunks) {
            chunked = false;
            ByteBuf buf = pending != null ? pending : ctx.alloc().directBuffer(trailers.isEmpty() ? 5 : 256);
            pending = null;
            buf.writeBytes(LAST_CHUNK);
            writeFields(buf, trailers);
            buf.writeBytes(CRLF);
            ctx.write(buf, unused);
        } else if (unused != null && (last || !unused.isVoid())) {
            // The end of the message, or a promise to keep: what is kept back goes on with it.
            ByteBuf p = pending;
            pending = null;
            if (p != null) {
                ctx.write(p, unused);
            } else if (!unused.isVoid()) {
                ctx.write(Unpooled.EMPTY_BUFFER, unused);
            }
        }
    }

    private static void chunkSize(ByteBuf buf, int n) {
        ByteBufUtil.writeAscii(buf, Integer.toHexString(n));
        buf.writeBytes(CRLF);
    }
}
