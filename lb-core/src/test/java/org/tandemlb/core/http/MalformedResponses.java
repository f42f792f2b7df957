package org.tandemlb.core.http;

import java.util.List;

/**
 * Malformed and ambiguous responses of a misbehaving server, as raw bytes, with what the client
 * gets from Tandem. Shared by {@link MalformedResponseTest} (Tandem alone) and
 * {@link StrictnessComparisonTest} (the same responses through HAProxy).
 */
final class MalformedResponses {
    private MalformedResponses() {}

    /** What the client gets from Tandem. */
    enum Outcome {
        /** The client gets 502. */
        BAD_GATEWAY,
        /** The client gets the head, then the connection closes before the body's end. */
        TRUNCATED,
        /** The client gets the response as announced (the server's extra bytes are not passed on). */
        COMPLETE
    }

    /** One response: what it is, its bytes (ISO-8859-1), whether the server closes after it, the outcome. */
    record Case(String name, String response, boolean serverCloses, Outcome outcome) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final String OK = "HTTP/1.1 200 OK\r\n";
    private static final String CHUNKED = OK + "Transfer-Encoding: chunked\r\n\r\n";

    static List<Case> all() {
        return List.of(
                bad("garbage instead of HTTP", "hello world\r\n\r\n"),
                bad("binary garbage", "\u0000\u0001\u0002\u0003\r\n\r\n"),
                bad("no status line (HTTP/0.9 style)", "<html>hi</html>\r\n\r\n"),
                bad(
                        "Content-Length and Transfer-Encoding",
                        OK + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
                bad("two differing Content-Lengths", OK + "Content-Length: 2\r\nContent-Length: 3\r\n\r\nabc"),
                bad("two equal Content-Lengths", OK + "Content-Length: 2\r\nContent-Length: 2\r\n\r\nok"),
                bad("Content-Length list", OK + "Content-Length: 2, 2\r\n\r\nok"),
                bad("Content-Length with a plus sign", OK + "Content-Length: +2\r\n\r\nok"),
                bad("negative Content-Length", OK + "Content-Length: -1\r\n\r\nok"),
                bad("a coding other than chunked last", OK + "Transfer-Encoding: gzip\r\n\r\nok"),
                bad("chunked twice", OK + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"),
                bad("Transfer-Encoding in HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                bad("obs-fold", OK + "Content-Length: 2\r\nX-Folded: a\r\n b\r\n\r\nok"),
                bad("space before a colon", OK + "Content-Length : 2\r\n\r\nok"),
                bad("NUL in a field value", OK + "X-A: a\u0000b\r\nContent-Length: 2\r\n\r\nok"),
                bad("bare CR in the head", OK + "X-A: a\rb\r\nContent-Length: 2\r\n\r\nok"),
                bad("bare LF line ends", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok"),
                bad("invalid field name", OK + "X(A): b\r\nContent-Length: 2\r\n\r\nok"),
                bad("four-digit status code", "HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok"),
                bad("status code 600", "HTTP/1.1 600 Odd\r\nContent-Length: 2\r\n\r\nok"),
                bad("status code of letters", "HTTP/1.1 abc OK\r\nContent-Length: 2\r\n\r\nok"),
                bad("HTTP/2.0 status line", "HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok"),
                bad("space before the status line", " HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
                bad("head larger than 20 KiB", OK + "X-Big: " + "x".repeat(24_000) + "\r\nContent-Length: 2\r\n\r\nok"),
                new Case("closes before answering", "", true, Outcome.BAD_GATEWAY),
                cut("bad chunk size", CHUNKED + "zz\r\nabc\r\n0\r\n\r\n"),
                cut("control character in a chunk extension", CHUNKED + "3;a=\u0001\r\nabc\r\n0\r\n\r\n"),
                cut("bare LF after a chunk size", CHUNKED + "3\nabc\r\n0\r\n\r\n"),
                cut("chunk data longer than its size", CHUNKED + "3\r\nabcdef\r\n0\r\n\r\n"),
                cut("obs-fold in a trailer field", CHUNKED + "3\r\nabc\r\n0\r\nX-T: a\r\n b\r\n\r\n"),
                cut("NUL in a trailer field", CHUNKED + "3\r\nabc\r\n0\r\nX-T: a\u0000b\r\n\r\n"),
                new Case("closes mid-body", OK + "Content-Length: 10\r\n\r\nhello", true, Outcome.TRUNCATED),
                new Case("closes mid-chunked-body", CHUNKED + "5\r\nhello\r\n", true, Outcome.TRUNCATED),
                new Case(
                        "longer than its Content-Length",
                        OK + "Content-Length: 2\r\n\r\nokEXTRA",
                        false,
                        Outcome.COMPLETE),
                new Case(
                        "a second response smuggled after the first",
                        OK + "Content-Length: 2\r\n\r\nok" + OK + "Content-Length: 6\r\n\r\nsmuggl",
                        false,
                        Outcome.COMPLETE));
    }

    private static Case bad(String name, String response) {
        return new Case(name, response, false, Outcome.BAD_GATEWAY);
    }

    private static Case cut(String name, String response) {
        return new Case(name, response, false, Outcome.TRUNCATED);
    }
}
