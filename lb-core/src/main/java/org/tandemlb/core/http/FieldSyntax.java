package org.tandemlb.core.http;

import java.util.List;

/**
 * The syntax rules requests and responses share: tokens (RFC 9110 §5.6.2), field values (§5.5),
 * {@code Content-Length} (RFC 9112 §6.3) and the {@code Transfer-Encoding} list (§6.1). Both
 * directions judge a message's framing with these, so that what Tandem refuses from a client it
 * refuses from a server too.
 *
 * <p>Stateless.
 */
final class FieldSyntax {
    /** What a {@code Transfer-Encoding} list means for the framing. */
    enum Codings {
        /** {@code chunked}, once. */
        CHUNKED,
        /** Codings Tandem does not apply, ending with one {@code chunked}: framed, but not understood. */
        CHUNKED_AFTER_OTHERS,
        /** {@code chunked} not last, or twice, an empty element, or no {@code chunked}: no reliable length. */
        AMBIGUOUS
    }

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

    private FieldSyntax() {}

    /** Whether {@code b} may be part of a token (a method, a field name, a coding). */
    static boolean token(byte b) {
        return TOKEN[b & 0xff];
    }

    /** Whether {@code b} may be in a field value: not a control character but tab (bytes from 0x80 are obs-text). */
    static boolean valueByte(byte b) {
        int c = b & 0xff;
        return (c >= 0x20 && c != 0x7f) || c == '\t';
    }

    /**
     * The value of a {@code Content-Length}: digits only, no sign, no list, no space inside, at
     * most 18 digits (so it fits a {@code long}); -1 when it is not that.
     */
    static long contentLength(CharSequence value) {
        int len = value.length();
        if (len == 0 || len > 18) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < len; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** What the {@code Transfer-Encoding} fields {@code values} (all of them, in order) mean. */
    static Codings codings(List<String> values) {
        int chunked = 0;
        boolean others = false;
        boolean lastChunked = false;
        for (String value : values) {
            for (String coding : value.split(",", -1)) {
                String c = coding.strip();
                if (c.isEmpty()) {
                    return Codings.AMBIGUOUS;
                }
                lastChunked = c.equalsIgnoreCase("chunked");
                if (lastChunked) {
                    chunked++;
                } else {
                    others = true;
                }
            }
        }
        if (chunked != 1 || !lastChunked) {
            return Codings.AMBIGUOUS;
        }
        return others ? Codings.CHUNKED_AFTER_OTHERS : Codings.CHUNKED;
    }
}
