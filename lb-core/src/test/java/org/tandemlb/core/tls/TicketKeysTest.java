package org.tandemlb.core.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.handler.ssl.OpenSslSessionTicketKey;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TicketKeysTest {
    private static final byte[] SECRET = "cluster secret".getBytes(StandardCharsets.UTF_8);

    private static Clock at(String instant) {
        return Clock.fixed(Instant.parse(instant), ZoneOffset.UTC);
    }

    @Test
    void twoProcessesWithTheSameSecretHaveTheSameKeysAndTheyRotateEachPeriod() {
        TicketKeys a = TicketKeys.fromSecret(SECRET, Duration.ofHours(1), at("2026-12-02T10:05:00Z"));
        TicketKeys b = TicketKeys.fromSecret(SECRET, Duration.ofHours(1), at("2026-12-02T10:55:00Z"));
        assertEquals(a.currentPeriod(), b.currentPeriod());
        assertSame(a.keys(a.currentPeriod()), b.keys(b.currentPeriod()));

        TicketKeys later = TicketKeys.fromSecret(SECRET, Duration.ofHours(1), at("2026-12-02T11:00:00Z"));
        assertEquals(a.currentPeriod() + 1, later.currentPeriod());
        OpenSslSessionTicketKey[] now = later.keys(later.currentPeriod());
        OpenSslSessionTicketKey[] before = a.keys(a.currentPeriod());
        // The new period encrypts with a new key, and still decrypts with the previous one.
        assertFalse(Arrays.equals(now[0].aesKey(), before[0].aesKey()));
        assertArrayEquals(before[0].name(), now[1].name());
        assertArrayEquals(before[0].aesKey(), now[1].aesKey());
        assertArrayEquals(before[0].hmacKey(), now[1].hmacKey());
    }

    @Test
    void anotherSecretOrARandomOneGivesOtherKeys() {
        Clock clock = at("2026-12-02T10:05:00Z");
        TicketKeys a = TicketKeys.fromSecret(SECRET, Duration.ofHours(1), clock);
        TicketKeys other =
                TicketKeys.fromSecret("another".getBytes(StandardCharsets.UTF_8), Duration.ofHours(1), clock);
        TicketKeys random = TicketKeys.random(Duration.ofHours(1), clock);
        long n = a.currentPeriod();
        assertFalse(Arrays.equals(a.keys(n)[0].aesKey(), other.keys(n)[0].aesKey()));
        assertFalse(Arrays.equals(a.keys(n)[0].aesKey(), random.keys(n)[0].aesKey()));
        assertEquals(16, a.keys(n)[0].name().length);
    }

    private static void assertSame(OpenSslSessionTicketKey[] x, OpenSslSessionTicketKey[] y) {
        assertEquals(x.length, y.length);
        for (int i = 0; i < x.length; i++) {
            assertArrayEquals(x[i].name(), y[i].name());
            assertArrayEquals(x[i].hmacKey(), y[i].hmacKey());
            assertArrayEquals(x[i].aesKey(), y[i].aesKey());
        }
    }
}
