package org.tandemlb.core.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ErrorPageTest {
    private static ErrorPage parse(int status, String content) {
        return ErrorPage.parse(status, content.getBytes(StandardCharsets.ISO_8859_1), "page.http");
    }

    private static String failure(int status, String content) {
        return assertThrows(IllegalArgumentException.class, () -> parse(status, content))
                .getMessage();
    }

    @Test
    void aBodyAloneIsServedAsHtml() {
        ErrorPage p = parse(503, "<h1>Back soon</h1>\n");
        assertEquals(503, p.status());
        assertNull(p.reason());
        assertEquals(List.of(Map.entry("Content-Type", "text/html; charset=utf-8")), p.headers());
        assertArrayEquals("<h1>Back soon</h1>\n".getBytes(StandardCharsets.US_ASCII), p.body());
    }

    @Test
    void aWholeResponseKeepsItsStatusHeadersAndBodyButNotItsFraming() {
        ErrorPage p = parse(
                503,
                "HTTP/1.0 503 Maintenance\r\nRetry-After: 60\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nlater");
        assertEquals(503, p.status());
        assertEquals("Maintenance", p.reason());
        assertEquals(List.of(Map.entry("Retry-After", "60")), p.headers());
        assertEquals("later", new String(p.body(), StandardCharsets.US_ASCII));
        // Bare LF line ends, as an editor may write them; a redirect page, as HAProxy users write.
        ErrorPage moved = parse(503, "HTTP/1.1 302 Found\nLocation: https://status.example.com/\n\n");
        assertEquals(302, moved.status());
        assertEquals(0, moved.body().length);
    }

    @Test
    void malformedPagesNameTheLine() {
        assertTrue(failure(503, "HTTP/1.1 abc\r\n\r\n").contains("line 1"));
        assertTrue(failure(503, "HTTP/1.1 503 X\r\nno colon here\r\n\r\n").contains("page.http line 2"));
        assertTrue(failure(503, "HTTP/1.1 503 X\r\nA: b\r\n").contains("empty line"));
        assertTrue(failure(503, "HTTP/1.1 100 Continue\r\n\r\n").contains("cannot be a 100"));
        assertTrue(
                failure(503, "HTTP/1.1 503 X\r\nContent-Length: 9\r\n\r\nshort").contains("Content-Length 9"));
        assertTrue(failure(503, "HTTP/1.1 503 X\r\nTransfer-Encoding: chunked\r\n\r\n")
                .contains("Transfer-Encoding"));
        assertTrue(failure(404, "x").contains("never answers 404"));
    }

    @Test
    void aMissingFileIsAnError() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> ErrorPage.read(503, Path.of("/nonexistent/503.html")));
        assertTrue(e.getMessage().contains("/nonexistent/503.html"), e.getMessage());
    }
}
