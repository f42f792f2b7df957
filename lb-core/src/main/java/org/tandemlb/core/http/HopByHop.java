package org.tandemlb.core.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Header rules of a proxy (RFC 9110 §7.6.1): the {@code Connection} header and every header it
 * lists apply to one hop only and are not forwarded, nor are the classic hop-by-hop headers.
 * {@code Transfer-Encoding} is hop-by-hop too, but the codecs re-frame bodies themselves and the
 * header is how they learn to, so it is kept (only {@code chunked} is ever accepted).
 *
 * <p>Runs twice per proxied request, so the common cases allocate nothing: no {@code Connection}
 * header, or one holding only {@code close}, {@code keep-alive} or {@code upgrade}.
 */
final class HopByHop {
    /** {@code close} was listed. */
    static final int CLOSE = 1;
    /** {@code keep-alive} was listed. */
    static final int KEEP_ALIVE = 2;
    /** {@code upgrade} was listed. */
    static final int UPGRADE = 4;
    /** Another token was listed: a header to remove by name ({@link Tokens#others}). */
    static final int OTHER = 8;

    // Netty deprecates its constants for these two (not standard headers), but clients still send
    // them and RFC 9110 §7.6.1 says a proxy must not forward them.
    private static final AsciiString KEEP_ALIVE_HEADER = AsciiString.cached("keep-alive");
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");

    private static final AsciiString[] ALWAYS = {
        HttpHeaderNames.CONNECTION,
        KEEP_ALIVE_HEADER,
        PROXY_CONNECTION,
        HttpHeaderNames.TE,
        HttpHeaderNames.TRAILER,
        HttpHeaderNames.UPGRADE,
    };

    /** What the {@code Connection} headers of a message say. */
    static final class Tokens {
        static final Tokens NONE = new Tokens(0, List.of());
        private static final Tokens[] SIMPLE = new Tokens[8];

        static {
            for (int f = 0; f < SIMPLE.length; f++) {
                SIMPLE[f] = new Tokens(f, List.of());
            }
        }

        final int flags;
        /** The lower-case tokens other than close, keep-alive and upgrade. */
        final List<String> others;

        private Tokens(int flags, List<String> others) {
            this.flags = flags;
            this.others = others;
        }

        boolean has(int flag) {
            return (flags & flag) != 0;
        }
    }

    private HopByHop() {}

    /** The tokens of every {@code Connection} header, case-insensitive. */
    static Tokens connectionTokens(HttpHeaders headers) {
        if (!headers.contains(HttpHeaderNames.CONNECTION)) {
            return Tokens.NONE;
        }
        int flags = 0;
        List<String> others = null;
        for (Iterator<? extends CharSequence> it = headers.valueCharSequenceIterator(HttpHeaderNames.CONNECTION);
                it.hasNext(); ) {
            CharSequence value = it.next();
            int len = value.length();
            int i = 0;
            while (i < len) {
                int start = i;
                while (i < len && value.charAt(i) != ',') {
                    i++;
                }
                int end = i;
                i++; // past the comma
                while (start < end && isSpace(value.charAt(start))) {
                    start++;
                }
                while (end > start && isSpace(value.charAt(end - 1))) {
                    end--;
                }
                if (start == end) {
                    continue;
                }
                if (regionIs(value, start, end, "close")) {
                    flags |= CLOSE;
                } else if (regionIs(value, start, end, "keep-alive")) {
                    flags |= KEEP_ALIVE;
                } else if (regionIs(value, start, end, "upgrade")) {
                    flags |= UPGRADE;
                } else {
                    flags |= OTHER;
                    if (others == null) {
                        others = new ArrayList<>(2);
                    }
                    others.add(value.subSequence(start, end).toString().toLowerCase(Locale.ROOT));
                }
            }
        }
        return others == null ? Tokens.SIMPLE[flags] : new Tokens(flags, others);
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }

    private static boolean regionIs(CharSequence s, int start, int end, String lowerCase) {
        if (end - start != lowerCase.length()) {
            return false;
        }
        for (int i = 0; i < lowerCase.length(); i++) {
            char c = s.charAt(start + i);
            if (c >= 'A' && c <= 'Z') {
                c = (char) (c + ('a' - 'A'));
            }
            if (c != lowerCase.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Removes the hop-by-hop headers; {@code Upgrade} is kept with {@code Connection: upgrade}
     * when {@code keepUpgrade}.
     */
    static void strip(HttpHeaders headers, Tokens tokens, boolean keepUpgrade) {
        for (String name : tokens.others) {
            headers.remove(name);
        }
        for (AsciiString name : ALWAYS) {
            if (!keepUpgrade || name != HttpHeaderNames.UPGRADE) {
                headers.remove(name);
            }
        }
        if (tokens.has(CLOSE)) {
            headers.remove(HttpHeaderValues.CLOSE); // a header named by the token, however unlikely
        }
        if (keepUpgrade) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        }
    }
}
