package org.tandemlb.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PauseDetectorTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final AtomicInteger released = new AtomicInteger();
    private final PauseDetector detector =
            new PauseDetector(now::get, TimeUnit.MILLISECONDS.toNanos(800), released::incrementAndGet);

    private void advance(long millis) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Test
    void regularChecksAreNotPauses() {
        for (int i = 0; i < 50; i++) {
            advance(100);
            assertTrue(detector.check());
        }
        advance(800);
        assertTrue(detector.check(), "exactly the threshold is not a pause");
        assertEquals(0, released.get());
    }

    @Test
    void aJumpPastTheThresholdReleasesOnceAndBlocksUntilResumed() {
        advance(100);
        assertTrue(detector.check());
        advance(5_000); // SIGSTOP for five seconds, then SIGCONT
        assertFalse(detector.check());
        assertEquals(1, released.get());
        advance(10);
        assertFalse(detector.check(), "nothing renews or claims until the pause is dealt with");
        assertEquals(1, released.get(), "released once");
        detector.resume();
        advance(100);
        assertTrue(detector.check());
        assertEquals(1, detector.pauses());
    }
}
