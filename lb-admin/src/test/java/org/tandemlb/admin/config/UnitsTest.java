package org.tandemlb.admin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class UnitsTest {

    @Test
    void durations() {
        assertEquals(Duration.ofMillis(500), Units.parseDuration("500ms"));
        assertEquals(Duration.ofSeconds(2), Units.parseDuration("2s"));
        assertEquals(Duration.ofMinutes(5), Units.parseDuration("5m"));
        assertEquals(Duration.ofHours(1), Units.parseDuration("1h"));
        assertEquals(Duration.ofSeconds(90), Units.parseDuration("1m30s"));
        assertEquals(Duration.ofMillis(3_723_004), Units.parseDuration("1h2m3s4ms"));
        assertEquals(Duration.ZERO, Units.parseDuration("0s"));
    }

    @Test
    void lifetimesTakeDaysAndYears() {
        assertEquals(Duration.ofDays(365), Units.parseLifetime("1y"));
        assertEquals(Duration.ofDays(180), Units.parseLifetime("180d"));
        assertEquals(Duration.ofHours(12), Units.parseLifetime("12h"));
        assertEquals("'1 year' is not a lifetime like 1y, 180d or 12h", message(() -> Units.parseLifetime("1 year")));
        assertEquals("'1y2d' is not a lifetime like 1y, 180d or 12h", message(() -> Units.parseLifetime("1y2d")));
    }

    @Test
    void badDurations() {
        assertEquals("'5' needs a unit: ms, s, m or h", message(() -> Units.parseDuration("5")));
        assertEquals("'-5s' must not be negative", message(() -> Units.parseDuration("-5s")));
        assertEquals(
                "'1.5s' is not a duration like 500ms, 2s, 5m, 1h or 1m30s", message(() -> Units.parseDuration("1.5s")));
        assertEquals(
                "'30s1m' is not a duration like 500ms, 2s, 5m, 1h or 1m30s",
                message(() -> Units.parseDuration("30s1m")));
        assertEquals(
                "'2 s' is not a duration like 500ms, 2s, 5m, 1h or 1m30s", message(() -> Units.parseDuration("2 s")));
        assertEquals("'' is not a duration like 500ms, 2s, 5m, 1h or 1m30s", message(() -> Units.parseDuration("")));
        assertEquals(
                "'2d' is not a duration like 500ms, 2s, 5m, 1h or 1m30s", message(() -> Units.parseDuration("2d")));
        assertEquals(
                "'99999999999999999999h' is too long a duration",
                message(() -> Units.parseDuration("99999999999999999999h")));
    }

    @Test
    void sizes() {
        assertEquals(512, Units.parseSize("512"));
        assertEquals(16 * 1024, Units.parseSize("16KiB"));
        assertEquals(1024 * 1024, Units.parseSize("1MiB"));
        assertEquals(1L << 30, Units.parseSize("1GiB"));
        assertEquals("'16KB' is not a size like 512, 16KiB, 1MiB or 1GiB", message(() -> Units.parseSize("16KB")));
        assertEquals("'-1' must not be negative", message(() -> Units.parseSize("-1")));
        assertEquals("'99999999999GiB' is too large a size", message(() -> Units.parseSize("99999999999GiB")));
    }

    @Test
    void formatting() {
        assertEquals("1m30s", Units.formatDuration(Duration.ofSeconds(90)));
        assertEquals("500ms", Units.formatDuration(Duration.ofMillis(500)));
        assertEquals("0s", Units.formatDuration(Duration.ZERO));
        assertEquals("2h", Units.formatDuration(Duration.ofHours(2)));
    }

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }
}
