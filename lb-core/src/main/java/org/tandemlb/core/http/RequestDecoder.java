package org.tandemlb.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.List;

/**
 * Netty's request decoder with every request head checked on its bytes first
 * ({@link RequestHeadCheck}): a head the check refuses never reaches Netty's parser, which
 * would forgive or normalize it. A refused head becomes one invalid request (its decoder result
 * a failure whose cause is the {@link RequestRefused}), and everything after it is dropped: the
 * connection answers it and closes.
 *
 * <p>A head is checked once it is whole (up to its empty line); Netty's limits then apply to it
 * (414, 431). One that cannot be whole within those limits is refused here, as too long, without
 * waiting for its end. Body framing (fixed length, chunked with its sizes, extensions and line
 * ends) is Netty's, with strict line parsing; a chunked body's trailer section is checked for
 * obs-fold on its bytes first ({@link TrailerScan}), since Netty would unfold it.
 */
final class RequestDecoder extends HttpRequestDecoder {
    /** A head not whole within this many bytes is refused (431). */
    private final int maxHead;
    /** A request line without its end within this many bytes is refused (414). */
    private final int maxLine;

    /** Whether the next bytes start a request head. */
    private boolean atHead = true;
    /** Where the search for the end of the head resumes (relative to the reader index). */
    private int scanned;
    /** A head was refused: the rest of the connection is not HTTP to us. */
    private boolean refused;
    /** The chunked body being read, followed ahead of Netty's decoder; null for other bodies. */
    private TrailerScan trailers;
    /** How many bytes from the reader index {@link #trailers} has looked at already. */
    private int ahead;

    RequestDecoder(HttpDecoderConfig config) {
        super(config);
        this.maxHead = config.getMaxInitialLineLength() + config.getMaxHeaderSize() + 4;
        this.maxLine = config.getMaxInitialLineLength() + 2;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (refused) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (atHead) {
            // Empty lines before a request line are skipped (RFC 9112 §2.2), as Netty would.
            while (scanned == 0
                    && in.readableBytes() >= 2
                    && in.getByte(in.readerIndex()) == '\r'
                    && in.getByte(in.readerIndex() + 1) == '\n') {
                in.skipBytes(2);
            }
            int end = headEnd(in);
            if (end < 0) {
                // Too long to be checked whole: refused here rather than left to a parser that would
                // read what was not checked (414 for the request line, 431 for the head).
                int r = in.readerIndex();
                if (in.readableBytes() >= maxLine && in.indexOf(r, r + maxLine, (byte) '\n') < 0) {
                    refuse(in, out, new TooLongHttpLineException("request line longer than " + maxLine + " bytes"));
                } else if (in.readableBytes() > maxHead) {
                    refuse(in, out, new TooLongHttpHeaderException("request head larger than " + maxHead + " bytes"));
                }
                return;
            }
            int length = end - in.readerIndex();
            byte[] head = ByteBufUtil.getBytes(in, in.readerIndex(), length);
            RequestRefused why = RequestHeadCheck.check(head, length);
            if (why != null) {
                refuse(in, out, why);
                return;
            }
            atHead = false;
            scanned = 0;
            // A checked head with Transfer-Encoding has a chunked body, or RequestPolicy refuses it.
            trailers = RequestHeadCheck.hasTransferEncoding(head, length) ? new TrailerScan() : null;
            ahead = length;
            if (foldedTrailer(in)) {
                refuse(in, out, new RequestRefused(HttpResponseStatus.BAD_REQUEST, "obs-fold in the trailer section"));
                return;
            }
        } else if (foldedTrailer(in)) {
            // The head went on already: the body is cut as a bad chunk is (Http1Requests).
            refused = true;
            in.skipBytes(in.readableBytes());
            DefaultLastHttpContent invalid = new DefaultLastHttpContent();
            invalid.setDecoderResult(DecoderResult.failure(
                    new RequestRefused(HttpResponseStatus.BAD_REQUEST, "obs-fold in the trailer section")));
            out.add(invalid);
            return;
        }
        int before = out.size();
        int start = in.readerIndex();
        super.decode(ctx, in, out);
        ahead = Math.max(0, ahead - (in.readerIndex() - start));
        if (out.size() > before && out.get(out.size() - 1) instanceof LastHttpContent) {
            atHead = true; // the request ended: the next bytes are the next head
            trailers = null;
        }
    }

    /** Scans a chunked body's new bytes; whether its trailer section has an obs-fold line. */
    private boolean foldedTrailer(ByteBuf in) {
        if (trailers == null) {
            return false;
        }
        trailers.scan(in, in.readerIndex() + ahead, in.writerIndex());
        ahead = in.readableBytes();
        return trailers.folded();
    }

    private void refuse(ByteBuf in, List<Object> out, Exception why) {
        refused = true;
        in.skipBytes(in.readableBytes());
        DefaultFullHttpRequest invalid =
                new DefaultFullHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/bad-request", Unpooled.EMPTY_BUFFER);
        invalid.setDecoderResult(DecoderResult.failure(why));
        out.add(invalid);
    }

    /**
     * The index just past the empty line ending the head (an LF followed by CRLF or by a bare LF,
     * which the check then refuses), or -1; remembers how far it looked.
     */
    private int headEnd(ByteBuf in) {
        int from = in.readerIndex() + scanned;
        int end = in.writerIndex();
        while (from < end) {
            int lf = in.indexOf(from, end, (byte) '\n');
            if (lf < 0) {
                break;
            }
            int next = lf + 1;
            if (next < end && in.getByte(next) == '\n') {
                return next + 1;
            }
            if (next + 1 < end && in.getByte(next) == '\r' && in.getByte(next + 1) == '\n') {
                return next + 2;
            }
            if (next >= end || (next + 1 >= end && in.getByte(next) == '\r')) {
                scanned = lf - in.readerIndex(); // not decidable yet: this LF again with more bytes
                return -1;
            }
            from = next;
        }
        scanned = Math.max(0, end - in.readerIndex() - 1);
        return -1;
    }
}
