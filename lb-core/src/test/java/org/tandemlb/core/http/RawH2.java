package org.tandemlb.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A hand-written HTTP/2 client for tests that must send what a proper client never would
 * (uppercase names, floods, endless header blocks): frames built byte by byte, header blocks as
 * HPACK literals without indexing, responses' header blocks decoded with Netty's decoder.
 */
final class RawH2 implements AutoCloseable {
    static final int DATA = 0;
    static final int HEADERS = 1;
    static final int PRIORITY = 2;
    static final int RST_STREAM = 3;
    static final int SETTINGS = 4;
    static final int PUSH_PROMISE = 5;
    static final int PING = 6;
    static final int GOAWAY = 7;
    static final int WINDOW_UPDATE = 8;
    static final int CONTINUATION = 9;
    static final int END_STREAM = 1;
    static final int ACK = 1;
    static final int END_HEADERS = 4;
    static final int PADDED = 8;
    static final int PRIORITY_FLAG = 0x20;
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** A frame read from the server. */
    record Frame(int type, int flags, int stream, byte[] payload) {
        /** The error code of a RST_STREAM or GOAWAY frame. */
        long errorCode() {
            int at = type == GOAWAY ? 4 : 0;
            return ((payload[at] & 0xffL) << 24)
                    | ((payload[at + 1] & 0xff) << 16)
                    | ((payload[at + 2] & 0xff) << 8)
                    | (payload[at + 3] & 0xff);
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);

    /** Connects and sends the preface and an empty SETTINGS frame. */
    RawH2(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
        out.write(PREFACE);
        frame(SETTINGS, 0, 0, new byte[0]);
    }

    /** How long a read waits before it throws {@link SocketTimeoutException}. */
    void readTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    /** Writes a frame. */
    void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        byte[] f = new byte[9 + payload.length];
        f[0] = (byte) (payload.length >>> 16);
        f[1] = (byte) (payload.length >>> 8);
        f[2] = (byte) payload.length;
        f[3] = (byte) type;
        f[4] = (byte) flags;
        f[5] = (byte) (stream >>> 24);
        f[6] = (byte) (stream >>> 16);
        f[7] = (byte) (stream >>> 8);
        f[8] = (byte) stream;
        System.arraycopy(payload, 0, f, 9, payload.length);
        out.write(f);
    }

    /** A GET of {@code path} with {@code extra} header fields (name, value, ...) as written. */
    static byte[] get(String path, String... extra) {
        String[] all = new String[8 + extra.length];
        String[] base = {":method", "GET", ":scheme", "http", ":path", path, ":authority", "t"};
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return block(all);
    }

    /** A header block of literal fields without indexing (name, value, ...), no Huffman coding. */
    static byte[] block(String... fields) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < fields.length; i += 2) {
            b.write(0);
            string(b, fields[i]);
            string(b, fields[i + 1]);
        }
        return b.toByteArray();
    }

    private static void string(ByteArrayOutputStream b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        int n = bytes.length;
        if (n < 127) {
            b.write(n);
        } else {
            b.write(127);
            n -= 127;
            while (n >= 128) {
                b.write((n & 0x7f) | 0x80);
                n >>>= 7;
            }
            b.write(n);
        }
        b.write(bytes, 0, bytes.length);
    }

    /** The next frame, or null at end of stream (or a reset connection). */
    Frame read() throws IOException {
        byte[] head = new byte[9];
        try {
            in.readFully(head);
        } catch (EOFException | java.net.SocketException e) {
            return null;
        }
        int len = ((head[0] & 0xff) << 16) | ((head[1] & 0xff) << 8) | (head[2] & 0xff);
        byte[] payload = new byte[len];
        in.readFully(payload);
        int stream = ((head[5] & 0x7f) << 24) | ((head[6] & 0xff) << 16) | ((head[7] & 0xff) << 8) | (head[8] & 0xff);
        return new Frame(head[3], head[4] & 0xff, stream, payload);
    }

    /**
     * Reads until a frame of {@code type} for {@code stream} (any stream for GOAWAY), skipping
     * the others; null when the connection ends first.
     */
    Frame await(int type, int stream) throws IOException {
        for (Frame f = read(); f != null; f = read()) {
            if (f.type() == type && (type == GOAWAY || f.stream() == stream)) {
                return f;
            }
        }
        return null;
    }

    /**
     * What the server answered on {@code stream}: its {@code :status}, or -1 for RST_STREAM
     * PROTOCOL_ERROR, -2 for another reset, 0 when the connection ended first.
     */
    int answer(int stream) throws IOException {
        for (Frame f = read(); f != null; f = read()) {
            if (f.stream() != stream) {
                continue;
            }
            if (f.type() == HEADERS) {
                return Integer.parseInt(headers(f).status().toString());
            }
            if (f.type() == RST_STREAM) {
                return f.errorCode() == 1 ? -1 : -2;
            }
        }
        return 0;
    }

    /** Decodes a HEADERS frame's block (no padding or priority, as Netty sends them). */
    Http2Headers headers(Frame f) {
        ByteBuf b = Unpooled.wrappedBuffer(f.payload());
        try {
            return decoder.decodeHeaders(f.stream(), b);
        } catch (Http2Exception e) {
            throw new IllegalStateException(e);
        } finally {
            b.release();
        }
    }

    /** Whether the server closed the connection within the socket's timeout (frames before it skipped). */
    boolean closedByServer() throws IOException {
        try {
            while (read() != null) {
                // skip
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
