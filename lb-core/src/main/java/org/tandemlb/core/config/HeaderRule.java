package org.tandemlb.core.config;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * One header rule of a frontend or backend ({@code request_headers}, {@code response_headers}):
 * set a header (replacing every value it had), add a value, or delete it. Rules run in order.
 *
 * @param op    what the rule does
 * @param name  the header's name (a token; compared case-insensitively)
 * @param value {@link Op#SET} and {@link Op#ADD}: the value, with the placeholders of
 *              {@link #PLACEHOLDERS} in braces; {@link Op#DELETE}: null
 */
public record HeaderRule(Op op, String name, String value) {
    /** What a header rule does. */
    public enum Op {
        /** Replace every value of the header with one. */
        SET,
        /** Add a value, keeping those there. */
        ADD,
        /** Remove the header. */
        DELETE;

        /** The name in the configuration: {@code set}, {@code add}, {@code delete}. */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The placeholders a value may hold, each written in braces: {@code {client_ip}}. */
    public static final List<String> PLACEHOLDERS =
            List.of("client_ip", "request_id", "frontend", "server", "tls_version");

    /**
     * Headers no rule may touch on either side: the message's framing and the connection's
     * (hop-by-hop) headers, which Tandem writes itself.
     */
    private static final Set<String> FRAMING = Set.of(
            "content-length",
            "transfer-encoding",
            "connection",
            "keep-alive",
            "proxy-connection",
            "upgrade",
            "te",
            "trailer");

    public HeaderRule {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || !name.chars().allMatch(HeaderRule::tokenChar)) {
            throw new IllegalArgumentException("'" + name + "' is not a header name");
        }
        if (FRAMING.contains(name.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException(
                    name + " is a framing or connection header that Tandem writes itself: rules cannot change it");
        }
        if (op == Op.DELETE) {
            if (value != null) {
                throw new IllegalArgumentException("delete takes a header name only");
            }
        } else {
            Objects.requireNonNull(value, "value");
            checkTemplate(value);
        }
    }

    /**
     * Checks that this rule may run on the response side too ({@code Host} is a request header).
     *
     * @throws IllegalArgumentException when not
     */
    public void checkResponseSide() {
        if (name.equalsIgnoreCase("host")) {
            throw new IllegalArgumentException("Host is a request header: response rules cannot change it");
        }
    }

    /**
     * Checks a value with placeholders: every brace opens a known placeholder, and no character
     * is a control character (CR, LF and NUL would split or cut the header).
     */
    static void checkTemplate(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                throw new IllegalArgumentException("a header value must not hold control characters");
            }
            if (c == '}') {
                throw new IllegalArgumentException("'}' without '{' in '" + value + "'");
            }
            if (c == '{') {
                int end = value.indexOf('}', i);
                String p = end < 0 ? "" : value.substring(i + 1, end);
                if (end < 0 || !PLACEHOLDERS.contains(p)) {
                    throw new IllegalArgumentException("unknown placeholder {" + p + "} in '" + value
                            + "'; the placeholders are {" + String.join("}, {", PLACEHOLDERS) + "}");
                }
                i = end;
            }
        }
    }

    private static boolean tokenChar(int c) {
        return c > 0x20 && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
    }
}
