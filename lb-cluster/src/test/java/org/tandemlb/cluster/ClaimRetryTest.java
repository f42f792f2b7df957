package org.tandemlb.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** When a node may claim: after the start-up settle, and after failed claims. */
class ClaimRetryTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private final ClaimRetry retry = new ClaimRetry();
    private long now = 1_000 * SECOND;

    @Test
    void theSettleEndsWhenTheClusterIsHeard() {
        retry.settleUntil(now + 3 * SECOND);
        assertFalse(retry.due(now));
        retry.heard(now + SECOND);
        assertTrue(retry.due(now + SECOND));
    }

    @Test
    void aGroupAddedByAReloadWaitsWhateverItHears() {
        retry.addedUntil(now + SECOND);
        retry.heard(now + 1);
        assertFalse(retry.due(now + SECOND - 1), "an advert heard may predate the peer's own reload");
        assertTrue(retry.due(now + SECOND));
        retry.failed(now + SECOND);
        retry.heard(now + SECOND + 1);
        assertFalse(retry.due(now + SECOND + 1), "a failed claim still waits its retry");
        assertTrue(retry.due(now + SECOND + ClaimRetry.RETRY));
    }

    @Test
    void aFailedClaimWaitsAndTheTenthStandsAside() {
        for (int i = 1; i < ClaimRetry.MAX_FAILURES; i++) {
            assertFalse(retry.failed(now), "failure " + i);
            assertFalse(retry.due(now + ClaimRetry.RETRY - 1));
            retry.heard(now);
            assertFalse(retry.due(now), "an advert does not cut a retry's wait short");
            now += ClaimRetry.RETRY;
            assertTrue(retry.due(now));
        }
        assertTrue(retry.failed(now), "the tenth in a row");
        assertFalse(retry.failed(now), "counts from zero again");
        retry.succeeded();
        for (int i = 1; i < ClaimRetry.MAX_FAILURES; i++) {
            assertFalse(retry.failed(now), "a success resets the count: failure " + i);
        }
    }
}
