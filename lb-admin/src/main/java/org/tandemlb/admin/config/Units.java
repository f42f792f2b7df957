package org.tandemlb.admin.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The config file's durations and sizes. Both throw {@link IllegalArgumentException} with a
 * message fit for the user (it quotes the text and says what is expected).
 */
public final class Units {

    private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|s|m|h)");
    private static final Pattern DIGITS = Pattern.compile("\\d+");
    private static final Pattern DAYS_OR_YEARS = Pattern.compile("(\\d+)(d|y)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)(KiB|MiB|GiB)?");

    private Units() {}

    /**
     * Parses a duration: a number and a unit, {@code 500ms}, {@code 2s}, {@code 5m}, {@code 1h},
     * or several of them from the largest unit down, {@code 1m30s}, {@code 1h30m}. A bare number is
     * refused (HAProxy reads it as milliseconds, which surprises), as is a negative or fractional one.
     */
    public static Duration parseDuration(String text) {
        String s = text.trim();
        if (s.startsWith("-")) {
            throw new IllegalArgumentException("'" + text + "' must not be negative");
        }
        if (DIGITS.matcher(s).matches()) {
            throw new IllegalArgumentException("'" + text + "' needs a unit: ms, s, m or h");
        }
        Matcher m = DURATION_PART.matcher(s);
        Duration total = Duration.ZERO;
        int at = 0;
        int lastRank = Integer.MAX_VALUE;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) {
                throw notADuration(text);
            }
            int rank = rank(m.group(2));
            if (rank >= lastRank) {
                throw notADuration(text);
            }
            lastRank = rank;
            try {
                long n = Long.parseLong(m.group(1));
                total = total.plus(
                        switch (m.group(2)) {
                            case "ms" -> Duration.ofMillis(n);
                            case "s" -> Duration.ofSeconds(n);
                            case "m" -> Duration.ofMinutes(n);
                            default -> Duration.ofHours(n);
                        });
            } catch (ArithmeticException | NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is too long a duration");
            }
            at = m.end();
        }
        if (at == 0) {
            throw notADuration(text);
        }
        return total;
    }

    private static int rank(String unit) {
        return switch (unit) {
            case "ms" -> 0;
            case "s" -> 1;
            case "m" -> 2;
            default -> 3;
        };
    }

    private static IllegalArgumentException notADuration(String text) {
        return new IllegalArgumentException("'" + text + "' is not a duration like 500ms, 2s, 5m, 1h or 1m30s");
    }

    /**
     * Parses a long lifetime such as an HSTS {@code max-age}: {@code 1y} (365 days), {@code 180d},
     * or any duration {@link #parseDuration} takes. Days and years are for such lifetimes only:
     * no timeout is written in them.
     */
    public static Duration parseLifetime(String text) {
        Matcher m = DAYS_OR_YEARS.matcher(text.trim());
        if (!m.matches()) {
            try {
                return parseDuration(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + text + "' is not a lifetime like 1y, 180d or 12h");
            }
        }
        try {
            long days = Long.parseLong(m.group(1));
            return Duration.ofDays(m.group(2).equals("y") ? Math.multiplyExact(days, 365L) : days);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too long a duration");
        }
    }

    /** Parses a size in bytes: {@code 512} (bytes), {@code 16KiB}, {@code 1MiB}, {@code 1GiB}. */
    public static long parseSize(String text) {
        String s = text.trim();
        if (s.startsWith("-")) {
            throw new IllegalArgumentException("'" + text + "' must not be negative");
        }
        Matcher m = SIZE.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size like 512, 16KiB, 1MiB or 1GiB");
        }
        int shift = m.group(2) == null
                ? 0
                : switch (m.group(2)) {
                    case "KiB" -> 10;
                    case "MiB" -> 20;
                    default -> 30;
                };
        try {
            long n = Long.parseLong(m.group(1));
            if (n > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too large a size");
        }
    }

    /** Writes a size the way the config file does: {@code 256}, {@code 16KiB}, {@code 1MiB}. */
    public static String formatSize(long bytes) {
        if (bytes > 0 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "GiB";
        }
        if (bytes > 0 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "MiB";
        }
        if (bytes > 0 && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "KiB";
        }
        return Long.toString(bytes);
    }

    /** Writes a duration the way the config file does: {@code 500ms}, {@code 2s}, {@code 1m30s}. */
    public static String formatDuration(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder b = new StringBuilder();
        long h = d.toHours();
        int m = d.toMinutesPart();
        int s = d.toSecondsPart();
        int ms = d.toMillisPart();
        if (h > 0) {
            b.append(h).append('h');
        }
        if (m > 0) {
            b.append(m).append('m');
        }
        if (s > 0) {
            b.append(s).append('s');
        }
        if (ms > 0) {
            b.append(ms).append("ms");
        }
        return b.toString();
    }
}
