package org.tandemlb.admin.importer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** HAProxy's and keepalived's times as Tandem durations. */
final class Durations {

    private static final Pattern HAPROXY = Pattern.compile("(\\d+)(us|ms|s|m|h|d)?");

    private Durations() {}

    /**
     * An HAProxy time ({@code 5000}, {@code 5s}, {@code 1m}; milliseconds without a unit) in
     * milliseconds, or -1 when it is not one.
     */
    static long haproxyMillis(String text) {
        Matcher m = HAPROXY.matcher(text);
        if (!m.matches() || m.group(1).length() > 12) {
            return -1;
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "ms" : m.group(2);
        return switch (unit) {
            case "us" -> (n + 999) / 1000;
            case "s" -> n * 1000;
            case "m" -> n * 60_000;
            case "h" -> n * 3_600_000;
            case "d" -> n * 86_400_000;
            default -> n;
        };
    }

    /** {@code ms} in Tandem's notation, in its largest exact unit: {@code 2s}, {@code 1500ms}, {@code 4h}. */
    static String tandem(long ms) {
        if (ms > 0 && ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms > 0 && ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms > 0 && ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    /** An HAProxy time as a Tandem duration more than 0, or null when it is not one. */
    static String haproxy(String text) {
        long ms = haproxyMillis(text);
        return ms > 0 ? tandem(ms) : null;
    }
}
