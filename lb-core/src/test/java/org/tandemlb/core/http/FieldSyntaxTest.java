package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.http.FieldSyntax.Codings;

/** The framing rules both directions share, and the byte-level request head check, without a network. */
class FieldSyntaxTest {
    @Test
    void contentLengthIsDigitsOnly() {
        assertEquals(0, FieldSyntax.contentLength("0"));
        assertEquals(123, FieldSyntax.contentLength("123"));
        assertEquals(999_999_999_999_999_999L, FieldSyntax.contentLength("999999999999999999"));
        for (String bad : List.of("", "+1", "-1", "1 2", "0x3", "3a", "1,1", "9999999999999999999")) {
            assertEquals(-1, FieldSyntax.contentLength(bad), bad);
        }
    }

    @Test
    void codingsMustEndWithOneChunked() {
        assertEquals(Codings.CHUNKED, FieldSyntax.codings(List.of("chunked")));
        assertEquals(Codings.CHUNKED, FieldSyntax.codings(List.of(" Chunked ")));
        assertEquals(Codings.CHUNKED_AFTER_OTHERS, FieldSyntax.codings(List.of("gzip, chunked")));
        assertEquals(Codings.CHUNKED_AFTER_OTHERS, FieldSyntax.codings(List.of("gzip", "chunked")));
        for (List<String> bad : List.of(
                List.of("gzip"),
                List.of("chunked, gzip"),
                List.of("chunked, chunked"),
                List.of("chunked", "chunked"),
                List.of(""),
                List.of(", chunked"),
                List.of("chunked,"))) {
            assertEquals(Codings.AMBIGUOUS, FieldSyntax.codings(bad), bad.toString());
        }
    }

    @Test
    void theHeadCheckNamesItsVerdict() {
        assertNull(check("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
        assertNull(check("\r\nGET / HTTP/1.0\r\n\r\n"));
        assertEquals(
                HttpResponseStatus.BAD_REQUEST,
                check("GET / HTTP/1.1\r\nHost: t\r\n b\r\n\r\n").status());
        assertEquals(
                HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
                check("GET / HTTP/1.2\r\nHost: t\r\n\r\n").status());
        assertEquals(
                HttpResponseStatus.BAD_REQUEST, check("GET / HTTP/1.1\r\n\r\n").status()); // no Host
        assertEquals(
                HttpResponseStatus.BAD_REQUEST,
                check("GET / HTTP/1.1\nHost: t\r\n\r\n").status());
    }

    private static RequestRefused check(String head) {
        byte[] b = head.getBytes(StandardCharsets.ISO_8859_1);
        return RequestHeadCheck.check(b, b.length);
    }
}
