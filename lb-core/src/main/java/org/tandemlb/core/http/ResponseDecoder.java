package org.tandemlb.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import java.util.List;

/**
 * Decodes the responses of a server connection into Netty's HTTP objects, as Netty's
 * {@code HttpResponseDecoder} does, for less: it runs once per proxied request and was the
 * largest Java cost of the {@code http} mode (decoding an Nginx response head took about as long
 * as everything else Tandem does for the request, JMH {@code HeaderRewriteBench}).
 *
 * <p>What makes it cheaper: the head is validated byte by byte once and copied into one array,
 * and the headers ({@link HeadHeaders}) keep every value as a span of that array (no object per
 * value until the proxy asks for one, no second validation, and {@link MessageEncoder} copies them
 * back out with one memory copy each); common header names are shared constants, spelled as
 * servers send them (the case a server used is kept); a body's last bytes go out as plain content
 * followed by the shared empty end, without a trailers object per response.
 *
 * <p>Framing, as RFC 9112 §6.3, is {@link ResponseFraming}'s (the answer to {@code HEAD} is told
 * by {@link #expectResponseToHead}). A {@code 101} switching to another protocol passes every
 * later byte through as a {@link ByteBuf}. Chunked bodies are de-chunked into content (the client
 * side re-frames them), trailers kept.
 *
 * <p>Refused, as the request side refuses the same in a request (the rules both share are
 * {@link FieldSyntax}'s), as a response or content whose {@link DecoderResult} is a failure (the
 * proxy answers 502, or cuts the client's connection once the response has started, and closes
 * the server connection): a head over {@value #MAX_HEAD} bytes, anything before the status line
 * but empty lines, a status line that is not {@code HTTP/1.x NNN [reason]} with a code from 100
 * to 599, a header line without a colon, a name that is not a token, whitespace before a colon
 * (§5.1) or at a line's start (an obsolete folded line, §5.2), a control character (other than
 * tab) in a value, a line end other than CRLF (§2.2); a framing {@link ResponseFraming} refuses;
 * a bad chunk size, a control character in a
 * chunk extension, a chunk not followed by CRLF. Bytes after a complete response (longer than
 * its {@code Content-Length}, say) are dropped, and the connection is not reused
 * ({@link #reusable}).
 *
 * <p>This class is the state machine; the syntax of heads and trailers is
 * {@link ResponseHeadParser}'s, the choice of framing {@link ResponseFraming}'s.
 *
 * <p>At most one request is outstanding on a proxy's server connection, so the decoder needs to
 * know only whether the next final response answers a {@code HEAD}.
 */
final class ResponseDecoder extends ByteToMessageDecoder {
    /** Largest response head, status line included (see {@link HttpLimits#MAX_RESPONSE_HEAD}). */
    static final int MAX_HEAD = HttpLimits.MAX_RESPONSE_HEAD;
    /** Longest chunk-size line (extensions included). */
    private static final int MAX_CHUNK_LINE = 4096;

    private enum State {
        HEAD,
        FIXED,
        CHUNK_SIZE,
        CHUNK_DATA,
        CHUNK_END,
        TRAILERS,
        UNTIL_CLOSE,
        UPGRADED,
        BAD
    }

    private static final HttpHeadersFactory UNCHECKED =
            DefaultHttpHeadersFactory.headersFactory().withValidation(false);
    private State state = State.HEAD;
    /** Where the search for the end of the head resumes (relative to the reader index). */
    private int headScanned;

    private long remaining;
    /** Bytes came after a complete response: the connection's framing cannot be trusted. */
    private boolean overrun;

    private boolean nextIsHead;
    private boolean nextHeadSet;

    ResponseDecoder() {}

    /** The next final response answers a {@code HEAD} request ({@code true}) or not: it has no body then. */
    void expectResponseToHead(boolean head) {
        nextIsHead = head;
        nextHeadSet = true;
    }

    /** Whether the connection may serve another request: nothing came beyond the last response. */
    boolean reusable() {
        return !overrun && state == State.HEAD;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            switch (state) {
                case HEAD -> {
                    if (!readHead(in, out)) {
                        return;
                    }
                }
                case FIXED -> {
                    int n = (int) Math.min(in.readableBytes(), remaining);
                    out.add(new DefaultHttpContent(in.readRetainedSlice(n)));
                    remaining -= n;
                    if (remaining == 0) {
                        ended(in, out, LastHttpContent.EMPTY_LAST_CONTENT);
                    }
                }
                case CHUNK_SIZE -> {
                    if (!readChunkSize(in, out)) {
                        return;
                    }
                }
                case CHUNK_DATA -> {
                    int n = (int) Math.min(in.readableBytes(), remaining);
                    out.add(new DefaultHttpContent(in.readRetainedSlice(n)));
                    remaining -= n;
                    if (remaining == 0) {
                        state = State.CHUNK_END;
                    }
                }
                case CHUNK_END -> {
                    // The CRLF closing a chunk's data.
                    if (in.getByte(in.readerIndex()) == '\r' && in.readableBytes() < 2) {
                        return;
                    }
                    if (in.getByte(in.readerIndex()) != '\r' || in.getByte(in.readerIndex() + 1) != '\n') {
                        badContent(in, out, "bad chunk end");
                        return;
                    }
                    in.skipBytes(2);
                    state = State.CHUNK_SIZE;
                }
                case TRAILERS -> {
                    if (!readTrailers(in, out)) {
                        return;
                    }
                }
                case UNTIL_CLOSE -> out.add(new DefaultHttpContent(in.readRetainedSlice(in.readableBytes())));
                case UPGRADED -> out.add(in.readRetainedSlice(in.readableBytes()));
                case BAD -> in.skipBytes(in.readableBytes());
                default -> throw new IllegalStateException(state.toString());
            }
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        super.decodeLast(ctx, in, out);
        // A body that runs to the connection's end has ended. An incomplete head or a shorter
        // body than announced is left to the proxy, which sees the connection close.
        if (state == State.UNTIL_CLOSE) {
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
            state = State.HEAD;
        }
    }

    // ---- the head ----

    /** Reads a whole head if it is there; false when more bytes are needed. */
    private boolean readHead(ByteBuf in, List<Object> out) {
        // Empty lines before a status line are skipped (RFC 9112 §2.2); anything else there is
        // then not a status line.
        int start = in.readerIndex();
        int end = in.writerIndex();
        while (start + 1 < end && in.getByte(start) == '\r' && in.getByte(start + 1) == '\n') {
            start += 2;
        }
        in.readerIndex(start);
        if (start == end || (start + 1 == end && in.getByte(start) == '\r')) {
            headScanned = 0;
            return false;
        }
        int headEnd = findHeadEnd(in);
        if (headEnd < 0) {
            if (in.readableBytes() > MAX_HEAD) {
                badHead(in, out, new TooLongHttpHeaderException("response head larger than " + MAX_HEAD + " bytes"));
            }
            return false;
        }
        int length = headEnd - in.readerIndex();
        if (length > MAX_HEAD) {
            badHead(in, out, new TooLongHttpHeaderException("response head larger than " + MAX_HEAD + " bytes"));
            return false;
        }
        byte[] head = ByteBufUtil.getBytes(in, in.readerIndex(), length, false);
        in.readerIndex(headEnd);
        headScanned = 0;
        try {
            DefaultHttpResponse response = ResponseHeadParser.parse(head);
            // The parser makes the headers a HeadHeaders over the head.
            frame(in, response, (HeadHeaders) response.headers(), out);
        } catch (IllegalArgumentException e) {
            badHead(in, out, e);
            return false;
        }
        return true;
    }

    /** The index just past the empty line ending the head, or -1; remembers how far it looked. */
    private int findHeadEnd(ByteBuf in) {
        int from = in.readerIndex() + headScanned;
        int end = in.writerIndex();
        while (from < end) {
            int lf = in.indexOf(from, end, (byte) '\n');
            if (lf < 0) {
                break;
            }
            // Is the line after this LF empty (LF or CRLF)?
            int next = lf + 1;
            if (next < end && in.getByte(next) == '\n') {
                return next + 1;
            }
            if (next + 1 < end && in.getByte(next) == '\r' && in.getByte(next + 1) == '\n') {
                return next + 2;
            }
            if (next >= end || (next + 1 >= end && in.getByte(next) == '\r')) {
                // Not decidable yet: look at this LF again when more bytes came.
                headScanned = lf - in.readerIndex();
                return -1;
            }
            from = next;
        }
        headScanned = Math.max(0, end - in.readerIndex() - 1);
        return -1;
    }

    /** Emits the head and decides how its body is read ({@link ResponseFraming}). */
    private void frame(ByteBuf in, DefaultHttpResponse response, HeadHeaders headers, List<Object> out) {
        boolean answersHead = false;
        if (response.status().code() >= 200) { // a final response: the next request's may differ
            answersHead = nextHeadSet && nextIsHead;
            nextHeadSet = false;
            nextIsHead = false;
        }
        long body = ResponseFraming.body(response, headers, answersHead);
        out.add(response);
        if (body == ResponseFraming.INTERIM || body == ResponseFraming.SWITCHED) {
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
            if (body == ResponseFraming.SWITCHED) {
                state = State.UPGRADED;
            }
        } else if (body == ResponseFraming.CHUNKED) {
            state = State.CHUNK_SIZE;
        } else if (body == ResponseFraming.UNTIL_CLOSE) {
            state = State.UNTIL_CLOSE;
        } else if (body == 0) {
            ended(in, out, LastHttpContent.EMPTY_LAST_CONTENT);
        } else {
            remaining = body;
            state = State.FIXED;
        }
    }

    /**
     * A final response ended with {@code last}. Anything already read beyond it is not a response
     * to any request (one is outstanding at most): it is dropped and the connection not reused.
     */
    private void ended(ByteBuf in, List<Object> out, LastHttpContent last) {
        out.add(last);
        state = State.HEAD;
        if (in.isReadable()) {
            overrun = true;
            state = State.BAD;
            in.skipBytes(in.readableBytes());
        }
    }

    // ---- chunks ----

    private boolean readChunkSize(ByteBuf in, List<Object> out) {
        int lf = in.indexOf(
                in.readerIndex(), Math.min(in.writerIndex(), in.readerIndex() + MAX_CHUNK_LINE), (byte) '\n');
        if (lf < 0) {
            if (in.readableBytes() >= MAX_CHUNK_LINE) {
                badContent(in, out, "chunk size line too long");
            }
            return false;
        }
        int i = in.readerIndex();
        long size = 0;
        int digits = 0;
        for (; i < lf; i++) {
            int d = Character.digit(in.getByte(i), 16);
            if (d < 0) {
                break;
            }
            if (++digits > 15) {
                badContent(in, out, "chunk size too large");
                return false;
            }
            size = size * 16 + d;
        }
        // After the digits: optional whitespace before an extension (;...), then the CRLF; an
        // extension holds no control character but tab (RFC 9112 §7.1.1).
        int digitsEnd = i;
        while (i < lf && (in.getByte(i) == ' ' || in.getByte(i) == '\t')) {
            i++;
        }
        boolean extension = i < lf && in.getByte(i) == ';';
        for (int x = i; extension && x < lf - 1; x++) {
            extension = FieldSyntax.valueByte(in.getByte(x));
        }
        boolean ok = digits > 0
                && in.getByte(lf - 1) == '\r'
                && lf - 1 >= i
                && (extension || (i == lf - 1 && digitsEnd == i));
        if (!ok) {
            badContent(in, out, "bad chunk size line");
            return false;
        }
        in.readerIndex(lf + 1);
        if (size == 0) {
            state = State.TRAILERS;
        } else {
            remaining = size;
            state = State.CHUNK_DATA;
        }
        return true;
    }

    private boolean readTrailers(ByteBuf in, List<Object> out) {
        if (in.readableBytes() >= 2
                && in.getByte(in.readerIndex()) == '\r'
                && in.getByte(in.readerIndex() + 1) == '\n') {
            in.skipBytes(2);
            ended(in, out, LastHttpContent.EMPTY_LAST_CONTENT);
            return true;
        }
        if (in.readableBytes() == 1 && in.getByte(in.readerIndex()) == '\r') {
            return false;
        }
        // Trailer fields: as a head without a status line.
        int end = ResponseHeadParser.findBlockEnd(in);
        if (end < 0) {
            if (in.readableBytes() > MAX_HEAD) {
                badContent(in, out, "trailers too large");
            }
            return false;
        }
        byte[] b = ByteBufUtil.getBytes(in, in.readerIndex(), end - in.readerIndex(), false);
        in.readerIndex(end);
        HeadHeaders trailers;
        try {
            trailers = ResponseHeadParser.trailers(b);
        } catch (IllegalArgumentException e) {
            badContent(in, out, e.getMessage());
            return false;
        }
        ended(in, out, new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, trailers));
        return true;
    }

    // ---- failures ----

    private void badHead(ByteBuf in, List<Object> out, Exception cause) {
        state = State.BAD;
        in.skipBytes(in.readableBytes());
        DefaultHttpResponse invalid =
                new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_GATEWAY, UNCHECKED.newHeaders());
        invalid.setDecoderResult(DecoderResult.failure(cause));
        out.add(invalid);
    }

    private void badContent(ByteBuf in, List<Object> out, String why) {
        state = State.BAD;
        in.skipBytes(in.readableBytes());
        LastHttpContent invalid = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, UNCHECKED.newHeaders());
        invalid.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(why)));
        out.add(invalid);
    }
}
