package org.tandemlb.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TicketRotationTest {
    /** A clock the test moves. */
    private static final class MovableClock extends Clock {
        Instant now = Instant.parse("2026-12-02T10:30:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneId.of("UTC");
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void newKeysAreInstalledOncePerPeriodOnly() {
        MovableClock clock = new MovableClock();
        TicketKeys keys = TicketKeys.fromSecret(new byte[] {1, 2, 3}, Duration.ofHours(1), clock);
        AtomicInteger asked = new AtomicInteger();
        EmbeddedChannel loop = new EmbeddedChannel();
        try (TicketRotation rotation = new TicketRotation(loop.eventLoop(), keys, () -> {
            asked.incrementAndGet();
            return List.of();
        })) {
            loop.runPendingTasks();
            assertFalse(rotation.check(), "the keys of 10:00-11:00 are in place");
            clock.now = Instant.parse("2026-12-02T10:59:59Z");
            assertFalse(rotation.check());
            clock.now = Instant.parse("2026-12-02T11:00:00Z");
            assertTrue(rotation.check(), "a new hour, new keys");
            assertFalse(rotation.check());
            assertEquals(1, asked.get());
        } finally {
            loop.finishAndReleaseAll();
        }
    }
}
