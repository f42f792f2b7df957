package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The headers of a response head as spans of its bytes: what the proxy asks of them, and what it writes back. */
class HeadHeadersTest {
    private static final String HEAD = "Server: nginx\r\nConnection: keep-alive, Foo\r\nset-cookie: a=1\r\n"
            + "Transfer-Encoding: gzip,  Chunked\r\nSet-Cookie: b=2\r\nX-Empty: \r\n";

    /** Headers over {@link #HEAD}, one span per line as the decoder would add them. */
    private static HeadHeaders parse() {
        byte[] b = HEAD.getBytes(StandardCharsets.ISO_8859_1);
        HeadHeaders h = new HeadHeaders(b);
        int pos = 0;
        while (pos < b.length) {
            int colon = HEAD.indexOf(':', pos);
            int end = HEAD.indexOf("\r\n", pos);
            int vs = colon + 1;
            while (vs < end && b[vs] == ' ') {
                vs++;
            }
            h.addSpan(new AsciiString(b, pos, colon - pos, false), vs, end);
            pos = end + 2;
        }
        return h;
    }

    @Test
    void readsValuesByNameWhateverTheCase() {
        HeadHeaders h = parse();
        assertEquals(6, h.size());
        assertEquals("nginx", h.get("server"));
        assertEquals("nginx", h.get(HttpHeaderNames.SERVER));
        assertEquals(List.of("a=1", "b=2"), h.getAll("Set-Cookie"));
        assertEquals(2, h.count(HttpHeaderNames.SET_COOKIE));
        assertEquals("", h.get("x-empty"));
        assertNull(h.get("Content-Length"));
        assertFalse(h.contains(HttpHeaderNames.CONTENT_LENGTH));
        assertTrue(
                h.containsValue(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED, true),
                "a coding in a list, in another case");
        assertFalse(h.containsValue(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED, false));
        List<String> connection = new ArrayList<>();
        for (Iterator<? extends CharSequence> it = h.valueCharSequenceIterator(HttpHeaderNames.CONNECTION);
                it.hasNext(); ) {
            connection.add(it.next().toString());
        }
        assertEquals(List.of("keep-alive, Foo"), connection);
        assertFalse(h.valueCharSequenceIterator("absent").hasNext());
    }

    @Test
    void changesKeepTheOrderOfWhatStays() {
        HeadHeaders h = parse();
        h.remove("SET-COOKIE");
        h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        h.addInt("Content-Length", 12);
        assertEquals(
                List.of("Server", "X-Empty", "connection", "Content-Length"),
                h.entries().stream().map(e -> e.getKey()).toList());
        ByteBuf buf = Unpooled.buffer();
        h.writeTo(buf);
        assertEquals(
                "Server: nginx\r\nX-Empty: \r\nconnection: close\r\nContent-Length: 12\r\n",
                buf.toString(StandardCharsets.ISO_8859_1));
        h.clear();
        assertTrue(h.isEmpty());
        for (int i = 0; i < 40; i++) {
            h.add("X-" + i, i); // grows past its first capacity
        }
        assertEquals(40, h.size());
        assertEquals(Integer.valueOf(39), h.getInt("x-39"));
    }
}
