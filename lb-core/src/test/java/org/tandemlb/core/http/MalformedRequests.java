package org.tandemlb.core.http;

import java.util.List;

/**
 * Malformed and ambiguous HTTP/1.1 requests, as raw bytes, with the status Tandem answers and
 * the rule each breaks. Every one is answered and the connection closed, and nothing of it may
 * reach a server. Shared by {@link MalformedRequestTest} (Tandem alone) and
 * {@link StrictnessComparisonTest} (the same bytes through HAProxy).
 */
final class MalformedRequests {
    /** One request: what it is, its bytes (ISO-8859-1), Tandem's status, the RFC rule. */
    record Case(String name, String raw, int status, String rule) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final String GET = "GET / HTTP/1.1\r\nHost: t\r\n";
    private static final String POST = "POST / HTTP/1.1\r\nHost: t\r\n";
    private static final String CHUNKED = POST + "Transfer-Encoding: chunked\r\n\r\n";

    private MalformedRequests() {}

    static List<Case> all() {
        return List.of(
                // ---- body framing: Content-Length and Transfer-Encoding ----
                c(
                        "Content-Length and Transfer-Encoding",
                        POST + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                        400,
                        "9112 6.3"),
                c(
                        "Transfer-Encoding and Content-Length",
                        POST + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                        400,
                        "9112 6.3"),
                c(
                        "two differing Content-Lengths",
                        POST + "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
                        400,
                        "9112 6.3"),
                c(
                        "two equal Content-Lengths",
                        POST + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
                        400,
                        "9112 6.3"),
                c("Content-Length list of equal values", POST + "Content-Length: 3, 3\r\n\r\nabc", 400, "9112 6.3"),
                c(
                        "Content-Length list of differing values",
                        POST + "Content-Length: 3, 4\r\n\r\nabcd",
                        400,
                        "9112 6.3"),
                c("Content-Length with a plus sign", POST + "Content-Length: +3\r\n\r\nabc", 400, "9110 8.6"),
                c("negative Content-Length", POST + "Content-Length: -1\r\n\r\n", 400, "9110 8.6"),
                c(
                        "Content-Length with a space inside",
                        POST + "Content-Length: 1 2\r\n\r\nabcdefghijkl",
                        400,
                        "9110 8.6"),
                c("hexadecimal Content-Length", POST + "Content-Length: 0x3\r\n\r\nabc", 400, "9110 8.6"),
                c(
                        "Content-Length overflowing 64 bits",
                        POST + "Content-Length: 99999999999999999999\r\n\r\nabc",
                        400,
                        "9110 8.6"),
                c("empty Content-Length", POST + "Content-Length: \r\n\r\n", 400, "9110 8.6"),
                c("Content-Length with letters", POST + "Content-Length: 3a\r\n\r\nabc", 400, "9110 8.6"),
                c("Content-Length of a comma alone", POST + "Content-Length: ,\r\n\r\nabc", 400, "9110 8.6"),
                c("chunked then gzip", POST + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400, "9112 6.3"),
                c("gzip without chunked", POST + "Transfer-Encoding: gzip\r\n\r\nabc", 400, "9112 6.3"),
                c(
                        "chunked twice in a list",
                        POST + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
                        400,
                        "9112 7"),
                c(
                        "chunked in two fields",
                        POST + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                        400,
                        "9112 7"),
                c(
                        "unknown coding before chunked",
                        POST + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
                        501,
                        "9112 6.1"),
                c("unknown coding alone", POST + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 400, "9112 6.3"),
                c("identity coding", POST + "Transfer-Encoding: identity\r\n\r\n0\r\n\r\n", 400, "9112 6.3"),
                c("empty Transfer-Encoding", POST + "Transfer-Encoding: \r\n\r\n0\r\n\r\n", 400, "9112 6.1"),
                c(
                        "Transfer-Encoding with an empty list element",
                        POST + "Transfer-Encoding: , chunked\r\n\r\n0\r\n\r\n",
                        400,
                        "9110 5.6.1"),
                c(
                        "Transfer-Encoding in HTTP/1.0",
                        "POST / HTTP/1.0\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                        400,
                        "9112 6.1"),
                c(
                        "Transfer-Encoding folded onto a second line",
                        POST + "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
                        400,
                        "9112 5.2"),
                c(
                        "Transfer-Encoding with a vertical tab",
                        POST + "Transfer-Encoding: \u000bchunked\r\n\r\n0\r\n\r\n",
                        400,
                        "9110 5.5"),
                c(
                        "space before the colon of Transfer-Encoding",
                        POST + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
                        400,
                        "9112 5.1"),
                // ---- chunked bodies ----
                c("chunk size not hexadecimal", CHUNKED + "zz\r\nabc\r\n0\r\n\r\n", 400, "9112 7.1"),
                c("negative chunk size", CHUNKED + "-3\r\nabc\r\n0\r\n\r\n", 400, "9112 7.1"),
                c("chunk size with 0x", CHUNKED + "0x3\r\nabc\r\n0\r\n\r\n", 400, "9112 7.1"),
                c("chunk size overflowing 64 bits", CHUNKED + "1ffffffffffffffff\r\nabc\r\n0\r\n\r\n", 400, "9112 7.1"),
                c("empty chunk size", CHUNKED + "\r\nabc\r\n0\r\n\r\n", 400, "9112 7.1"),
                c("space before a chunk size", CHUNKED + " 3\r\nabc\r\n0\r\n\r\n", 400, "9112 7.1"),
                c(
                        "control character in a chunk extension",
                        CHUNKED + "3;a=\u0001\r\nabc\r\n0\r\n\r\n",
                        400,
                        "9112 7.1.1"),
                c("bare LF after a chunk size", CHUNKED + "3\nabc\r\n0\r\n\r\n", 400, "9112 7.1"),
                c("bare LF after chunk data", CHUNKED + "3\r\nabc\n0\r\n\r\n", 400, "9112 7.1"),
                c("chunk data longer than its size", CHUNKED + "3\r\nabcdef\r\n0\r\n\r\n", 400, "9112 7.1"),
                c("bare LF after the last chunk", CHUNKED + "0\n\r\n", 400, "9112 7.1"),
                c("bare CR in a chunk extension", CHUNKED + "3;a\rb\r\nabc\r\n0\r\n\r\n", 400, "9112 7.1.1"),
                c("NUL in a chunk extension", CHUNKED + "3;a=b\u0000\r\nabc\r\n0\r\n\r\n", 400, "9112 7.1.1"),
                c("obs-fold in a trailer field", CHUNKED + "0\r\nX-T: a\r\n b\r\n\r\n", 400, "9112 7.1.2"),
                c("NUL in a trailer field", CHUNKED + "0\r\nX-T: a\u0000b\r\n\r\n", 400, "9112 7.1.2"),
                c("space before a trailer field's colon", CHUNKED + "0\r\nX-T : a\r\n\r\n", 400, "9112 7.1.2"),
                // ---- the head's syntax ----
                c("obs-fold in a field value", GET + "X-Folded: a\r\n b\r\n\r\n", 400, "9112 5.2"),
                c("obs-fold with a tab", GET + "X-Folded: a\r\n\tb\r\n\r\n", 400, "9112 5.2"),
                c("whitespace before the first field", "GET / HTTP/1.1\r\n Host: t\r\n\r\n", 400, "9112 2.2"),
                c("space before a colon", "GET / HTTP/1.1\r\nHost : t\r\n\r\n", 400, "9112 5.1"),
                c("tab before a colon", "GET / HTTP/1.1\r\nHost\t: t\r\n\r\n", 400, "9112 5.1"),
                c("space before the request line", " GET / HTTP/1.1\r\nHost: t\r\n\r\n", 400, "9112 2.2"),
                c("NUL in a field value", GET + "X-A: a\u0000b\r\n\r\n", 400, "9110 5.5"),
                c("bare CR in a field value", GET + "X-A: a\rb\r\n\r\n", 400, "9112 2.2"),
                c("bare LF ending a field", "GET / HTTP/1.1\r\nHost: t\nX-A: b\r\n\r\n", 400, "9112 2.2"),
                c("bare LF ending the request line", "GET / HTTP/1.1\nHost: t\r\n\r\n", 400, "9112 2.2"),
                c("DEL in a field value", GET + "X-A: a\u007fb\r\n\r\n", 400, "9110 5.5"),
                c("control character in a field value", GET + "X-A: a\u0001b\r\n\r\n", 400, "9110 5.5"),
                c("NUL in a field name", GET + "X-\u0000A: b\r\n\r\n", 400, "9110 5.1"),
                c("bare CR in a field name", GET + "X-\rA: b\r\n\r\n", 400, "9110 5.1"),
                c("bare LF in a field name", GET + "X-\nA: b\r\n\r\n", 400, "9112 2.2"),
                c("control character in a field name", GET + "X-\u0001A: b\r\n\r\n", 400, "9110 5.1"),
                c("DEL in a field name", GET + "X-\u007fA: b\r\n\r\n", 400, "9110 5.1"),
                c("tab inside a field name", GET + "X\tA: b\r\n\r\n", 400, "9110 5.1"),
                c("parenthesis in a field name", GET + "X(A): b\r\n\r\n", 400, "9110 5.1"),
                c("space inside a field name", GET + "X A: b\r\n\r\n", 400, "9110 5.1"),
                c("empty field name", GET + ": b\r\n\r\n", 400, "9110 5.1"),
                c("field line without a colon", GET + "X-A\r\n\r\n", 400, "9112 5"),
                c("non-ASCII byte in a field name", GET + "X-\u00e9: b\r\n\r\n", 400, "9110 5.1"),
                c("invalid character in the method", "GE(T / HTTP/1.1\r\nHost: t\r\n\r\n", 400, "9110 9.1"),
                c("control character in the method", "GE\u0001T / HTTP/1.1\r\nHost: t\r\n\r\n", 400, "9110 9.1"),
                c("garbage instead of a request line", "\u0001\u0002 nonsense\r\n\r\n", 400, "9112 3"),
                // ---- Host ----
                c("no Host in HTTP/1.1", "GET / HTTP/1.1\r\nX-A: b\r\n\r\n", 400, "9112 3.2"),
                c("two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "9112 3.2"),
                c("empty Host", "GET / HTTP/1.1\r\nHost: \r\n\r\n", 400, "9112 3.2"),
                c("space inside Host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "9110 7.2"),
                c("slash in Host", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, "9110 7.2"),
                c("user info in Host", "GET / HTTP/1.1\r\nHost: user@a\r\n\r\n", 400, "9110 7.2"),
                c("Host list", "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", 400, "9110 7.2"),
                c("port of letters in Host", "GET / HTTP/1.1\r\nHost: a:http\r\n\r\n", 400, "9110 7.2"),
                c(
                        "Host differing from an absolute target",
                        "GET http://a/ HTTP/1.1\r\nHost: b\r\n\r\n",
                        400,
                        "9112 3.2.2"),
                c(
                        "Host differing from an absolute target's port",
                        "GET http://a:8080/ HTTP/1.1\r\nHost: a\r\n\r\n",
                        400,
                        "9112 3.2.2"),
                // ---- the request target ----
                c("target without a leading slash", "GET foo HTTP/1.1\r\nHost: t\r\n\r\n", 400, "9112 3.2"),
                c("space inside the target", "GET /a b HTTP/1.1\r\nHost: t\r\n\r\n", 400, "9112 3"),
                c("control character in the target", "GET /a\u0001b HTTP/1.1\r\nHost: t\r\n\r\n", 400, "9112 3.2"),
                c("fragment in the target", "GET /a#b HTTP/1.1\r\nHost: t\r\n\r\n", 400, "9110 4.2.4"),
                c("non-ASCII byte in the target", "GET /\u00e9 HTTP/1.1\r\nHost: t\r\n\r\n", 400, "9112 3.2"),
                c("asterisk form with GET", "GET * HTTP/1.1\r\nHost: t\r\n\r\n", 400, "9112 3.2.4"),
                c("authority form with GET", "GET t:80 HTTP/1.1\r\nHost: t\r\n\r\n", 400, "9112 3.2.3"),
                c("absolute target of another scheme", "GET ftp://t/ HTTP/1.1\r\nHost: t\r\n\r\n", 400, "9112 3.2.2"),
                c("absolute target without a host", "GET http:/// HTTP/1.1\r\nHost: t\r\n\r\n", 400, "9112 3.2.2"),
                c("two spaces after the method", "GET  / HTTP/1.1\r\nHost: t\r\n\r\n", 400, "9112 3"),
                c("tab after the method", "GET\t/ HTTP/1.1\r\nHost: t\r\n\r\n", 400, "9112 3"),
                c("CONNECT", "CONNECT t:443 HTTP/1.1\r\nHost: t:443\r\n\r\n", 405, "9110 9.3.6"),
                // ---- the version ----
                c("HTTP/0.9 request line", "GET /\r\n\r\n", 400, "9112 2.3"),
                c("HTTP/2.0 over HTTP/1.1 framing", "GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505, "9112 2.3"),
                c("HTTP/1.2", "GET / HTTP/1.2\r\nHost: t\r\n\r\n", 505, "9112 2.3"),
                c("HTTP/3 without a minor version", "GET / HTTP/3\r\nHost: t\r\n\r\n", 400, "9112 2.3"),
                c("lower-case version", "GET / http/1.1\r\nHost: t\r\n\r\n", 400, "9112 2.3"),
                c("space after the version", "GET / HTTP/1.1 \r\nHost: t\r\n\r\n", 400, "9112 3"),
                c("two-digit major version", "GET / HTTP/11.1\r\nHost: t\r\n\r\n", 400, "9112 2.3"),
                c("two-digit minor version", "GET / HTTP/1.10\r\nHost: t\r\n\r\n", 400, "9112 2.3"),
                c("letters after the version", "GET / HTTP/1.1x\r\nHost: t\r\n\r\n", 400, "9112 2.3"));
    }

    private static Case c(String name, String raw, int status, String rule) {
        return new Case(name, raw, status, rule);
    }
}
