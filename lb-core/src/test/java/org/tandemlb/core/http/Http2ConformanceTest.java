package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.testsupport.Proxies;
import org.tandemlb.core.testsupport.TestBackend;

/**
 * RFC 9113's error handling, case by case in the manner of h2spec: each case sends what a
 * conforming client never would and expects the error the RFC names, as a connection error
 * (GOAWAY with the code) or a stream error (RST_STREAM with the code, or GOAWAY with it). Most
 * are answered by Netty's codec; the pseudo-header cases of §8.3.1 by Tandem
 * ({@link Http2Messages#malformed}). Two cases answer with another code than the RFC's, both
 * from Netty's codec: HEADERS on a half-closed (remote) stream is reset with PROTOCOL_ERROR
 * rather than STREAM_CLOSED, and a new stream numbered below an earlier one is reset with
 * STREAM_CLOSED rather than closing the connection with PROTOCOL_ERROR (docs/security.md).
 */
class Http2ConformanceTest {
    private static final int PROTOCOL_ERROR = 1;
    private static final int FLOW_CONTROL_ERROR = 3;
    private static final int STREAM_CLOSED = 5;
    private static final int FRAME_SIZE_ERROR = 6;
    private static final int REFUSED_STREAM = 7;
    private static final int COMPRESSION_ERROR = 9;

    private static TestBackend server;
    private static LoadBalancer lb;

    @BeforeAll
    static void start() {
        server = TestBackend.start("b1");
        lb = Proxies.h2c(server);
    }

    @AfterAll
    static void stop() {
        lb.close();
        server.close();
    }

    /** What a case sends after the preface and SETTINGS. */
    @FunctionalInterface
    interface Send {
        void to(RawH2 c) throws IOException;
    }

    /** A connection error ({@code GOAWAY}), or a stream error (RST_STREAM or GOAWAY), with one of {@code codes}. */
    record Expect(boolean connection, int... codes) {
        boolean accepts(RawH2.Frame f) {
            if (f.type() != RawH2.GOAWAY && (connection || f.type() != RawH2.RST_STREAM)) {
                return false;
            }
            for (int code : codes) {
                if (f.errorCode() == code) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String toString() {
            return (connection ? "a connection error " : "a stream error ") + Arrays.toString(codes);
        }
    }

    private static Expect connection(int code) {
        return new Expect(true, code);
    }

    private static Expect stream(int... codes) {
        return new Expect(false, codes);
    }

    private static byte[] get() {
        return RawH2.get("/");
    }

    private static byte[] ints(int... values) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int v : values) {
            b.write(v >>> 24);
            b.write(v >>> 16);
            b.write(v >>> 8);
            b.write(v);
        }
        return b.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static byte[] setting(int id, int value) {
        byte[] b = new byte[6];
        b[0] = (byte) (id >>> 8);
        b[1] = (byte) id;
        System.arraycopy(ints(value), 0, b, 2, 4);
        return b;
    }

    /** A request on {@code stream} that stays open (no END_STREAM): a POST with a body to come. */
    private static void open(RawH2 c, int stream) throws IOException {
        c.frame(
                RawH2.HEADERS,
                RawH2.END_HEADERS,
                stream,
                RawH2.block(":method", "POST", ":scheme", "http", ":path", "/", ":authority", "t"));
    }

    /** Sends {@code block} as a whole request (END_HEADERS, END_STREAM) on {@code stream}. */
    private static Send request(int stream, byte[] block) {
        return c -> c.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, stream, block);
    }

    private static Arguments of(String name, Expect expect, Send send) {
        return Arguments.of(name, expect, send);
    }

    static Stream<Arguments> cases() {
        byte[] x = {'x'};
        return Stream.of(
                of("4.2 DATA over SETTINGS_MAX_FRAME_SIZE", stream(FRAME_SIZE_ERROR), c -> {
                    open(c, 1);
                    c.frame(RawH2.DATA, 0, 1, new byte[16_385]);
                }),
                of(
                        "4.2 HEADERS over SETTINGS_MAX_FRAME_SIZE (a field block: a connection error)",
                        connection(FRAME_SIZE_ERROR),
                        request(1, concat(get(), new byte[16_385]))),
                of("4.3 an undecodable header block", connection(COMPRESSION_ERROR), request(1, new byte[] {0, 1, 0})),
                of(
                        "HPACK 2.3.3 an index past the tables",
                        connection(COMPRESSION_ERROR),
                        request(1, concat(new byte[] {(byte) 0xc6}, get()))),
                of(
                        "HPACK 4.2 a table size past SETTINGS_HEADER_TABLE_SIZE",
                        connection(COMPRESSION_ERROR),
                        request(1, concat(new byte[] {0x3f, (byte) 0xe2, 0x1f}, get()))), // a size update to 4097
                of(
                        "HPACK 4.2 a table size update after a field",
                        connection(COMPRESSION_ERROR),
                        request(1, concat(get(), new byte[] {0x20}))),
                of("5.1 DATA on an idle stream", connection(PROTOCOL_ERROR), c -> c.frame(RawH2.DATA, 0, 1, x)),
                of("5.1 DATA on a half-closed (remote) stream", stream(STREAM_CLOSED), c -> {
                    c.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 1, get());
                    c.frame(RawH2.DATA, 0, 1, x);
                }),
                of("5.1.1 an even stream id", connection(PROTOCOL_ERROR), request(2, get())),
                of("5.1.2 past SETTINGS_MAX_CONCURRENT_STREAMS", stream(PROTOCOL_ERROR, REFUSED_STREAM), c -> {
                    for (int i = 0; i <= 100; i++) {
                        open(c, 2 * i + 1);
                    }
                }),
                of(
                        "5.3.1 a stream that depends on itself",
                        stream(PROTOCOL_ERROR),
                        c -> c.frame(RawH2.PRIORITY, 0, 1, new byte[] {0, 0, 0, 1, 16})),
                of("6.1 DATA on stream 0", connection(PROTOCOL_ERROR), c -> c.frame(RawH2.DATA, 0, 0, x)),
                of("6.1 DATA padding longer than the frame", connection(PROTOCOL_ERROR), c -> {
                    open(c, 1);
                    c.frame(RawH2.DATA, RawH2.PADDED, 1, new byte[] {10, 'a', 'b', 'c'});
                }),
                of("6.2 HEADERS on stream 0", connection(PROTOCOL_ERROR), request(0, get())),
                of(
                        "6.3 PRIORITY on stream 0",
                        connection(PROTOCOL_ERROR),
                        c -> c.frame(RawH2.PRIORITY, 0, 0, new byte[] {0, 0, 0, 1, 16})),
                of("6.3 PRIORITY of 4 bytes", stream(FRAME_SIZE_ERROR), c -> c.frame(RawH2.PRIORITY, 0, 1, ints(3))),
                of(
                        "6.4 RST_STREAM on stream 0",
                        connection(PROTOCOL_ERROR),
                        c -> c.frame(RawH2.RST_STREAM, 0, 0, ints(8))),
                of(
                        "6.4 RST_STREAM on an idle stream",
                        connection(PROTOCOL_ERROR),
                        c -> c.frame(RawH2.RST_STREAM, 0, 1, ints(8))),
                of("6.4 RST_STREAM of 3 bytes", connection(FRAME_SIZE_ERROR), c -> {
                    open(c, 1);
                    c.frame(RawH2.RST_STREAM, 0, 1, new byte[3]);
                }),
                of(
                        "6.5 SETTINGS ACK with a payload",
                        connection(FRAME_SIZE_ERROR),
                        c -> c.frame(RawH2.SETTINGS, RawH2.ACK, 0, setting(3, 100))),
                of(
                        "6.5 SETTINGS on a stream",
                        connection(PROTOCOL_ERROR),
                        c -> c.frame(RawH2.SETTINGS, 0, 1, setting(3, 100))),
                of(
                        "6.5 SETTINGS of 3 bytes",
                        connection(FRAME_SIZE_ERROR),
                        c -> c.frame(RawH2.SETTINGS, 0, 0, new byte[3])),
                of(
                        "6.5.2 SETTINGS_ENABLE_PUSH 2",
                        connection(PROTOCOL_ERROR),
                        c -> c.frame(RawH2.SETTINGS, 0, 0, setting(2, 2))),
                of(
                        "6.5.2 SETTINGS_INITIAL_WINDOW_SIZE 2^31",
                        connection(FLOW_CONTROL_ERROR),
                        c -> c.frame(RawH2.SETTINGS, 0, 0, setting(4, 1 << 31))),
                of(
                        "6.5.2 SETTINGS_MAX_FRAME_SIZE 16383",
                        connection(PROTOCOL_ERROR),
                        c -> c.frame(RawH2.SETTINGS, 0, 0, setting(5, 16_383))),
                of(
                        "6.5.2 SETTINGS_MAX_FRAME_SIZE 2^24",
                        connection(PROTOCOL_ERROR),
                        c -> c.frame(RawH2.SETTINGS, 0, 0, setting(5, 1 << 24))),
                of("6.7 PING on a stream", connection(PROTOCOL_ERROR), c -> c.frame(RawH2.PING, 0, 1, new byte[8])),
                of("6.7 PING of 7 bytes", connection(FRAME_SIZE_ERROR), c -> c.frame(RawH2.PING, 0, 0, new byte[7])),
                of("6.8 GOAWAY on a stream", connection(PROTOCOL_ERROR), c -> c.frame(RawH2.GOAWAY, 0, 1, ints(0, 0))),
                of(
                        "6.9 WINDOW_UPDATE of 0 on the connection",
                        connection(PROTOCOL_ERROR),
                        c -> c.frame(RawH2.WINDOW_UPDATE, 0, 0, ints(0))),
                of("6.9 WINDOW_UPDATE of 0 on a stream", stream(PROTOCOL_ERROR), c -> {
                    open(c, 1);
                    c.frame(RawH2.WINDOW_UPDATE, 0, 1, ints(0));
                }),
                of(
                        "6.9 WINDOW_UPDATE of 3 bytes",
                        connection(FRAME_SIZE_ERROR),
                        c -> c.frame(RawH2.WINDOW_UPDATE, 0, 0, new byte[] {0, 0, 1})),
                of("6.9.1 the connection's window past 2^31-1", connection(FLOW_CONTROL_ERROR), c -> {
                    c.frame(RawH2.WINDOW_UPDATE, 0, 0, ints(Integer.MAX_VALUE));
                    c.frame(RawH2.WINDOW_UPDATE, 0, 0, ints(Integer.MAX_VALUE));
                }),
                of("6.9.1 a stream's window past 2^31-1", stream(FLOW_CONTROL_ERROR), c -> {
                    open(c, 1);
                    c.frame(RawH2.WINDOW_UPDATE, 0, 1, ints(Integer.MAX_VALUE));
                    c.frame(RawH2.WINDOW_UPDATE, 0, 1, ints(Integer.MAX_VALUE));
                }),
                of(
                        "6.10 CONTINUATION without HEADERS",
                        connection(PROTOCOL_ERROR),
                        c -> c.frame(RawH2.CONTINUATION, RawH2.END_HEADERS, 1, get())),
                of("6.10 a frame between HEADERS and CONTINUATION", connection(PROTOCOL_ERROR), c -> {
                    c.frame(RawH2.HEADERS, RawH2.END_STREAM, 1, get());
                    c.frame(RawH2.DATA, 0, 1, x);
                }),
                of("6.10 CONTINUATION on another stream", connection(PROTOCOL_ERROR), c -> {
                    c.frame(RawH2.HEADERS, RawH2.END_STREAM, 1, get());
                    c.frame(RawH2.CONTINUATION, RawH2.END_HEADERS, 3, RawH2.block("x-a", "b"));
                }),
                of("8.1 trailers without END_STREAM", stream(PROTOCOL_ERROR), c -> {
                    open(c, 1);
                    c.frame(RawH2.HEADERS, RawH2.END_HEADERS, 1, RawH2.block("x-t", "1"));
                }),
                of("8.2 an uppercase field name", stream(PROTOCOL_ERROR), request(1, RawH2.get("/", "X-Upper", "1"))),
                of(
                        "8.2.2 a connection-specific field",
                        stream(PROTOCOL_ERROR),
                        request(1, RawH2.get("/", "connection", "keep-alive"))),
                of("8.2.2 TE other than trailers", stream(PROTOCOL_ERROR), request(1, RawH2.get("/", "te", "gzip"))),
                of("8.3 an unknown pseudo-header", stream(PROTOCOL_ERROR), request(1, RawH2.get("/", ":foo", "1"))),
                of(
                        "8.3 a response pseudo-header in a request",
                        stream(PROTOCOL_ERROR),
                        request(1, RawH2.get("/", ":status", "200"))),
                of(
                        "8.3.1 no :method",
                        stream(PROTOCOL_ERROR),
                        request(1, RawH2.block(":scheme", "http", ":path", "/", ":authority", "t"))),
                of(
                        "8.3.1 no :scheme",
                        stream(PROTOCOL_ERROR),
                        request(1, RawH2.block(":method", "GET", ":path", "/", ":authority", "t"))),
                of(
                        "8.3.1 no :path",
                        stream(PROTOCOL_ERROR),
                        request(1, RawH2.block(":method", "GET", ":scheme", "http", ":authority", "t"))),
                of("8.3.1 an empty :path", stream(PROTOCOL_ERROR), request(1, RawH2.get(""))),
                of("8.3.1 :method twice", stream(PROTOCOL_ERROR), request(1, RawH2.get("/", ":method", "GET"))),
                of(
                        "8.1.1 content-length 1 and no DATA",
                        stream(PROTOCOL_ERROR),
                        request(
                                1,
                                RawH2.block(
                                        ":method",
                                        "POST",
                                        ":scheme",
                                        "http",
                                        ":path",
                                        "/",
                                        ":authority",
                                        "t",
                                        "content-length",
                                        "1"))),
                of(
                        "8.4 PUSH_PROMISE from a client",
                        connection(PROTOCOL_ERROR),
                        c -> c.frame(RawH2.PUSH_PROMISE, RawH2.END_HEADERS, 1, ints(2))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void answersAsTheRfcSays(String name, Expect expect, Send send) throws Exception {
        List<String> seen = new ArrayList<>();
        try (RawH2 c = new RawH2(lb.address("fe").getPort())) {
            send.to(c);
            c.readTimeout(3000);
            try {
                for (RawH2.Frame f = c.read(); f != null; f = c.read()) {
                    if (expect.accepts(f)) {
                        return;
                    }
                    seen.add(f.type() + "/" + f.stream()
                            + (f.type() == RawH2.GOAWAY || f.type() == RawH2.RST_STREAM ? "/" + f.errorCode() : ""));
                    if (f.type() == RawH2.GOAWAY) {
                        break;
                    }
                }
            } catch (SocketTimeoutException e) {
                seen.add("no more within 3 s");
            }
        }
        fail(name + ": expected " + expect + ", got (type/stream/code) " + seen);
    }

    /** The first DATA frame of stream 1, or a failure naming what came instead. */
    private static RawH2.Frame firstData(RawH2 c) throws IOException {
        RawH2.Frame f = c.await(RawH2.DATA, 1);
        assertTrue(f != null, "a DATA frame on stream 1");
        return f;
    }

    /**
     * Flow control of responses (§6.9.1, §6.9.2, h2spec's 6.9.1/6.9.2 cases): with an initial
     * window of 1 byte the response's first DATA frame carries 1 byte and the next one waits for
     * a WINDOW_UPDATE; with a window of 0 the response's head comes (HEADERS are not
     * flow-controlled, and h2spec's 6.9.2 case waits for it before it opens the window) and no
     * DATA until SETTINGS raises the window.
     */
    @Test
    void responsesKeepToTheClientsWindow() throws Exception {
        try (RawH2 c = new RawH2(lb.address("fe").getPort())) {
            c.frame(RawH2.SETTINGS, 0, 0, setting(4, 1));
            c.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 1, RawH2.get("/download?bytes=100"));
            assertEquals(1, firstData(c).payload().length, "the window's 1 byte");
            c.frame(RawH2.WINDOW_UPDATE, 0, 1, ints(99));
            int got = 1;
            while (got < 100) {
                got += firstData(c).payload().length;
            }
            assertEquals(100, got, "the rest once the window allows it");
        }
        try (RawH2 c = new RawH2(lb.address("fe").getPort())) {
            c.frame(RawH2.SETTINGS, 0, 0, setting(4, 0));
            c.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 1, RawH2.get("/download?bytes=100"));
            RawH2.Frame head = c.await(RawH2.HEADERS, 1);
            assertTrue(head != null && (head.flags() & RawH2.END_STREAM) == 0, "the response's head, its body to come");
            assertEquals("200", c.headers(head).status().toString());
            c.readTimeout(500);
            assertThrows(SocketTimeoutException.class, () -> c.await(RawH2.DATA, 1), "no DATA in a window of 0");
            c.readTimeout(5000);
            c.frame(RawH2.SETTINGS, 0, 0, setting(4, 1));
            assertEquals(1, firstData(c).payload().length, "a window of 1 once SETTINGS says so");
        }
    }

    /** Unknown frame types are ignored (§5.5): a PING after one is answered. */
    @Test
    void anUnknownFrameTypeIsIgnored() throws Exception {
        try (RawH2 c = new RawH2(lb.address("fe").getPort())) {
            c.frame(0x20, 0, 0, new byte[] {1, 2, 3});
            c.frame(RawH2.PING, 0, 0, new byte[8]);
            RawH2.Frame ack = c.await(RawH2.PING, 0);
            assertTrue(ack != null && (ack.flags() & RawH2.ACK) != 0, "PING acknowledged");
        }
    }
}
