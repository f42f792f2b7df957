package org.tandemlb.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The syntax of a response head and of trailers, for {@link ResponseDecoder}: a head's bytes,
 * copied once into an array, become a response whose {@link HeadHeaders} keep each value as a span
 * of that array. What is refused is listed on {@link ResponseDecoder}; a refusal is an
 * {@link IllegalArgumentException} saying what is wrong. The decoder keeps the state machine and
 * the framing of the body; this class only reads bytes (stateless).
 */
final class ResponseHeadParser {
    private static final byte[] HTTP_1_1 = "HTTP/1.1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HTTP_1_0 = "HTTP/1.0".getBytes(StandardCharsets.US_ASCII);

    /**
     * Header names as servers usually spell them, shared rather than allocated per response, by
     * length (a name's bytes are compared as they are: the spelling a server used is kept).
     */
    private static final AsciiString[][] COMMON_NAMES = new AsciiString[64][];

    static {
        for (String n : new String[] {
            "Server",
            "Date",
            "Content-Type",
            "Content-Length",
            "Last-Modified",
            "Connection",
            "Keep-Alive",
            "ETag",
            "Accept-Ranges",
            "Transfer-Encoding",
            "Cache-Control",
            "Vary",
            "Expires",
            "Location",
            "Set-Cookie",
            "Content-Encoding",
            "Age",
            "Pragma",
            "Upgrade",
            "Content-Disposition",
            "Content-Language",
            "Access-Control-Allow-Origin",
            "Strict-Transport-Security",
            "X-Content-Type-Options",
            "X-Frame-Options",
            "X-Powered-By",
            "WWW-Authenticate",
            "content-type",
            "content-length",
            "date",
            "server",
            "connection",
            "transfer-encoding",
            "cache-control",
            "vary",
            "etag",
            "last-modified",
            "location",
            "set-cookie",
            "content-encoding"
        }) {
            AsciiString name = AsciiString.cached(n);
            AsciiString[] same = COMMON_NAMES[n.length()];
            same = same == null ? new AsciiString[1] : Arrays.copyOf(same, same.length + 1);
            same[same.length - 1] = name;
            COMMON_NAMES[n.length()] = same;
        }
    }

    /** The shared name spelled as {@code b[start, end)}, or a new one. */
    private static AsciiString name(byte[] b, int start, int end) {
        int length = end - start;
        AsciiString[] same = length < COMMON_NAMES.length ? COMMON_NAMES[length] : null;
        if (same != null) {
            for (AsciiString candidate : same) {
                byte[] c = candidate.array(); // cached names start at offset 0
                if (Arrays.equals(c, 0, length, b, start, end)) {
                    return candidate;
                }
            }
        }
        return new AsciiString(b, start, length, false); // a view of the head, which the headers keep anyway
    }

    private ResponseHeadParser() {}

    /**
     * Parses a whole head, status line to empty line, into a response whose headers are a
     * {@link HeadHeaders} over {@code b}.
     *
     * @throws IllegalArgumentException what is wrong with it
     */
    static DefaultHttpResponse parse(byte[] b) {
        int n = b.length;
        int lineEnd = lineEnd(b, 0, n);
        int contentEnd = trimCr(b, 0, lineEnd);
        // Status line: HTTP-version SP status-code [SP reason-phrase]
        int sp = indexOf(b, 0, contentEnd, (byte) ' ');
        if (sp < 0) {
            throw new IllegalArgumentException("bad status line");
        }
        HttpVersion version = version(b, 0, sp);
        int codeStart = sp + 1;
        while (codeStart < contentEnd && b[codeStart] == ' ') {
            codeStart++;
        }
        // A code below 100 (a leading 0) is refused: forwarded, it would be written with fewer
        // than three digits, a status line the client cannot read.
        if (codeStart + 3 > contentEnd
                || !digit(b[codeStart])
                || b[codeStart] == '0'
                || !digit(b[codeStart + 1])
                || !digit(b[codeStart + 2])
                || (codeStart + 3 < contentEnd && b[codeStart + 3] != ' ')) {
            throw new IllegalArgumentException("bad status code");
        }
        int code = (b[codeStart] - '0') * 100 + (b[codeStart + 1] - '0') * 10 + (b[codeStart + 2] - '0');
        int reasonStart = Math.min(codeStart + 4, contentEnd);
        HttpResponseStatus status = status(code, b, reasonStart, contentEnd);

        HeadHeaders headers = new HeadHeaders(b);
        int pos = lineEnd + 1;
        AsciiString lastName = null;
        while (pos < n) {
            int le = lineEnd(b, pos, n);
            int ce = trimCr(b, pos, le);
            if (ce == pos) {
                break; // the empty line
            }
            if (b[pos] == ' ' || b[pos] == '\t') {
                // obs-fold: the line continues the previous header's value (RFC 9112 §5.2)
                if (lastName == null) {
                    throw new IllegalArgumentException("folded line before any header");
                }
                int vs = skipOws(b, pos, ce);
                int ve = trimOws(b, vs, ce);
                checkValue(b, vs, ve);
                // Rare: rebuilt through strings, the last value of that name getting the continuation.
                List<String> all = headers.getAll(lastName);
                String prior = all.get(all.size() - 1);
                headers.remove(lastName);
                for (int i = 0; i < all.size() - 1; i++) {
                    headers.add(lastName, all.get(i));
                }
                headers.add(
                        lastName,
                        ve > vs ? prior + " " + new String(b, vs, ve - vs, StandardCharsets.ISO_8859_1) : prior);
            } else {
                lastName = header(b, pos, ce, headers);
            }
            pos = le + 1;
        }

        return new DefaultHttpResponse(version, status, headers);
    }

    /**
     * Parses trailer fields (a head without a status line), up to the empty line.
     *
     * @throws IllegalArgumentException what is wrong with them
     */
    static HeadHeaders trailers(byte[] b) {
        HeadHeaders trailers = new HeadHeaders(b);
        int pos = 0;
        while (pos < b.length) {
            int le = lineEnd(b, pos, b.length);
            int ce = trimCr(b, pos, le);
            if (ce == pos) {
                break;
            }
            header(b, pos, ce, trailers);
            pos = le + 1;
        }
        return trailers;
    }

    /** Adds the header of the line {@code [start, end)}; returns its name. */
    private static AsciiString header(byte[] b, int start, int end, HeadHeaders headers) {
        int nameEnd = start;
        while (nameEnd < end && b[nameEnd] != ':' && b[nameEnd] != ' ' && b[nameEnd] != '\t') {
            if (!TOKEN[b[nameEnd] & 0xff]) {
                throw new IllegalArgumentException("bad header name");
            }
            nameEnd++;
        }
        if (nameEnd == start) {
            throw new IllegalArgumentException("empty header name");
        }
        int colon = skipOws(b, nameEnd, end); // whitespace before the colon is removed (RFC 9112 §5.1)
        if (colon >= end || b[colon] != ':') {
            throw new IllegalArgumentException("no colon in a header line");
        }
        int vs = skipOws(b, colon + 1, end);
        int ve = trimOws(b, vs, end);
        checkValue(b, vs, ve);
        AsciiString name = name(b, start, nameEnd);
        headers.addSpan(name, vs, ve);
        return name;
    }

    /**
     * The index just past the empty line ending a block that starts at a line start (trailers),
     * or -1 when it has not all come.
     */
    static int findBlockEnd(ByteBuf in) {
        int from = in.readerIndex();
        int end = in.writerIndex();
        while (from < end) {
            int lf = in.indexOf(from, end, (byte) '\n');
            if (lf < 0) {
                return -1;
            }
            int next = lf + 1;
            if (next < end && in.getByte(next) == '\n') {
                return next + 1;
            }
            if (next + 1 < end && in.getByte(next) == '\r' && in.getByte(next + 1) == '\n') {
                return next + 2;
            }
            from = next;
        }
        return -1;
    }

    /** Token characters of a header name (RFC 9110 §5.6.2). */
    private static final boolean[] TOKEN = new boolean[256];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TOKEN[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TOKEN[c] = true;
            TOKEN[c - 'a' + 'A'] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TOKEN[c] = true;
        }
    }

    /** A field value holds no control character but tab (RFC 9110 §5.5; bytes from 0x80 are obs-text). */
    private static void checkValue(byte[] b, int start, int end) {
        for (int i = start; i < end; i++) {
            int c = b[i] & 0xff;
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                throw new IllegalArgumentException("control character in a header value");
            }
        }
    }

    private static HttpVersion version(byte[] b, int start, int end) {
        int len = end - start;
        if (regionIs(b, start, end, HTTP_1_1)) {
            return HttpVersion.HTTP_1_1;
        }
        if (regionIs(b, start, end, HTTP_1_0)) {
            return HttpVersion.HTTP_1_0;
        }
        // Anything else must still read HTTP/x.y (valueOf throws otherwise).
        return HttpVersion.valueOf(new String(b, start, len, StandardCharsets.US_ASCII));
    }

    private static boolean regionIs(byte[] b, int start, int end, byte[] expected) {
        if (end - start != expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (b[start + i] != expected[i]) {
                return false;
            }
        }
        return true;
    }

    /** The status of {@code code}: the shared constant when the server sent its usual reason phrase. */
    private static HttpResponseStatus status(int code, byte[] b, int reasonStart, int reasonEnd) {
        HttpResponseStatus known = HttpResponseStatus.valueOf(code);
        String phrase = known.reasonPhrase();
        if (phrase.length() == reasonEnd - reasonStart) {
            boolean same = true;
            for (int i = 0; i < phrase.length() && same; i++) {
                same = phrase.charAt(i) == (char) (b[reasonStart + i] & 0xff);
            }
            if (same) {
                return known;
            }
        }
        checkValue(b, reasonStart, reasonEnd);
        return new HttpResponseStatus(
                code, new String(b, reasonStart, reasonEnd - reasonStart, StandardCharsets.ISO_8859_1));
    }

    private static boolean digit(byte c) {
        return c >= '0' && c <= '9';
    }

    private static int lineEnd(byte[] b, int from, int n) {
        for (int i = from; i < n; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return n;
    }

    /** The end of a line's content: before its CR, if it has one. A CR anywhere else is refused. */
    private static int trimCr(byte[] b, int start, int lineEnd) {
        int end = lineEnd > start && b[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
        for (int i = start; i < end; i++) {
            if (b[i] == '\r') {
                throw new IllegalArgumentException("bare CR in the response head");
            }
        }
        return end;
    }

    private static int indexOf(byte[] b, int from, int to, byte c) {
        for (int i = from; i < to; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    private static int skipOws(byte[] b, int from, int to) {
        while (from < to && (b[from] == ' ' || b[from] == '\t')) {
            from++;
        }
        return from;
    }

    private static int trimOws(byte[] b, int from, int to) {
        while (to > from && (b[to - 1] == ' ' || b[to - 1] == '\t')) {
            to--;
        }
        return to;
    }
}
