package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code limits.min_body_rate}'s arithmetic on a ticker the test moves: grace, credit, pauses. */
class BodyRateTest {
    private long now = 1_000_000_000L;
    private final BodyRate rate = new BodyRate(1000, TimeUnit.SECONDS.toNanos(5), () -> now);

    private void advanceMillis(long ms) {
        now += TimeUnit.MILLISECONDS.toNanos(ms);
    }

    @Test
    void nothingIsCheckedWithinTheGrace() {
        rate.start();
        advanceMillis(5000);
        assertFalse(rate.tooSlow(), "5 s of grace, nothing received");
        advanceMillis(10);
        assertTrue(rate.tooSlow(), "past the grace with nothing received");
    }

    @Test
    void eachRateWorthOfBytesBuysASecond() {
        rate.start();
        rate.received(3000);
        advanceMillis(7900);
        assertFalse(rate.tooSlow(), "3000 bytes: 5 s + 3 s");
        advanceMillis(200);
        assertTrue(rate.tooSlow(), "8.1 s with 3000 bytes");
        rate.received(1000);
        assertFalse(rate.tooSlow(), "caught up: 9 s of credit");
    }

    @Test
    void aTrickleCannotKeepUpARate() {
        rate.start();
        boolean refused = false;
        for (int s = 1; s <= 60 && !refused; s++) {
            advanceMillis(1000);
            rate.received(10); // 10 bytes a second keeps an inactivity timeout away, not a rate
            refused = rate.tooSlow();
        }
        assertTrue(refused);
    }

    @Test
    void timeTandemDoesNotReadIsNotTheClients() {
        rate.start();
        rate.received(1000);
        advanceMillis(3000);
        rate.reading(false); // the server is slower than the client: back-pressure
        advanceMillis(60_000);
        assertFalse(rate.tooSlow(), "paused for a minute");
        rate.reading(true);
        advanceMillis(2900);
        assertFalse(rate.tooSlow(), "5.9 s of the client's time, 6 s of credit");
        advanceMillis(200);
        assertTrue(rate.tooSlow());
    }

    @Test
    void aStoppedBodyIsNeverTooSlowAndAStartIsAFreshBody() {
        rate.start();
        advanceMillis(60_000);
        rate.stop();
        assertFalse(rate.tooSlow());
        rate.start();
        assertFalse(rate.tooSlow(), "the next body starts afresh");
    }

    @Test
    void aRateMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new BodyRate(0, 0, () -> now));
    }
}
