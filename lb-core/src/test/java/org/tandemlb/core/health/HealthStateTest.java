package org.tandemlb.core.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tandemlb.core.health.HealthState.Change.NONE;
import static org.tandemlb.core.health.HealthState.Change.WENT_DOWN;
import static org.tandemlb.core.health.HealthState.Change.WENT_UP;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.config.HealthCheckConfig;

/** The rise/fall state machine on its own: no time, no network. */
class HealthStateTest {
    private static final HealthCheckConfig CONFIG = HealthCheckConfig.builder(HealthCheckConfig.Type.HTTP)
            .interval(Duration.ofSeconds(2))
            .fastInterval(Duration.ofMillis(500))
            .downInterval(Duration.ofSeconds(10))
            .rise(2)
            .fall(3)
            .build();

    private static HealthState fullyUp() {
        return new HealthState(2, 3, true, false);
    }

    @Test
    void fallConsecutiveFailuresTakeAnUpServerDown() {
        HealthState s = fullyUp();
        assertEquals(NONE, s.record(false));
        assertEquals(NONE, s.record(false));
        assertTrue(s.up(), "2 of 3 failures: still up");
        assertEquals(WENT_DOWN, s.record(false));
        assertFalse(s.up());
        assertEquals(3, s.failures());
        assertEquals(NONE, s.record(false), "down stays down, no second change");
    }

    @Test
    void aSuccessStartsTheFailureCountAgain() {
        HealthState s = fullyUp();
        s.record(false);
        s.record(false);
        assertEquals(NONE, s.record(true));
        assertEquals(0, s.failures());
        assertEquals(NONE, s.record(false));
        assertEquals(NONE, s.record(false));
        assertEquals(WENT_DOWN, s.record(false), "three in a row again");
    }

    @Test
    void riseConsecutiveSuccessesBringADownServerUp() {
        HealthState s = new HealthState(2, 3, false, false);
        assertEquals(NONE, s.record(true));
        assertEquals(NONE, s.record(false), "a failure starts the count again");
        assertEquals(NONE, s.record(true));
        assertFalse(s.up());
        assertEquals(WENT_UP, s.record(true));
        assertTrue(s.up());
        assertEquals(2, s.successes());
    }

    @Test
    void atBootTheFirstFailedCheckTakesTheServerDown() {
        HealthState s = new HealthState(2, 3, true, true);
        assertTrue(s.up());
        assertTrue(s.provisional());
        assertEquals(WENT_DOWN, s.record(false));
        assertFalse(s.up());
        // then rise applies
        assertEquals(NONE, s.record(true));
        assertEquals(WENT_UP, s.record(true));
    }

    @Test
    void atBootAFirstSuccessConfirmsTheServerAndFallAppliesFromThen() {
        HealthState s = new HealthState(2, 3, true, true);
        assertEquals(NONE, s.record(true));
        assertFalse(s.provisional());
        assertEquals(NONE, s.record(false));
        assertEquals(NONE, s.record(false));
        assertEquals(WENT_DOWN, s.record(false));
    }

    @Test
    void aDownServerIsNeverProvisional() {
        HealthState s = new HealthState(2, 3, false, true);
        assertFalse(s.provisional());
        assertEquals(NONE, s.record(true));
        assertEquals(WENT_UP, s.record(true));
    }

    @Test
    void forcedDownByPassiveCheckNeedsRiseSuccesses() {
        HealthState s = fullyUp();
        s.record(false);
        assertEquals(WENT_DOWN, s.forceDown());
        assertEquals(NONE, s.forceDown(), "already down");
        assertEquals(NONE, s.record(true));
        assertEquals(WENT_UP, s.record(true));
    }

    @Test
    void leavingMaintRestartsProvisionallyUp() {
        HealthState s = new HealthState(2, 3, false, false);
        s.restartProvisionallyUp();
        assertTrue(s.up());
        assertEquals(WENT_DOWN, s.record(false), "the first failure after maint takes it down");
    }

    @Test
    void nextIntervalFollowsHaproxysInterFastinterDowninter() {
        HealthState s = fullyUp();
        assertEquals(Duration.ofSeconds(2), s.nextInterval(CONFIG), "up and steady: interval");
        s.record(false);
        assertEquals(Duration.ofMillis(500), s.nextInterval(CONFIG), "going down: fast interval");
        s.record(false);
        s.record(false);
        assertEquals(Duration.ofSeconds(10), s.nextInterval(CONFIG), "down: down interval");
        s.record(true);
        assertEquals(Duration.ofMillis(500), s.nextInterval(CONFIG), "coming up: fast interval");
        s.record(true);
        assertEquals(Duration.ofSeconds(2), s.nextInterval(CONFIG), "up again: interval");
        assertEquals(
                Duration.ofMillis(500),
                new HealthState(2, 3, true, true).nextInterval(CONFIG),
                "provisionally up is between states: fast interval");
    }

    @Test
    void withoutFastAndDownIntervalsEverythingUsesTheInterval() {
        HealthCheckConfig plain = HealthCheckConfig.builder(HealthCheckConfig.Type.TCP)
                .interval(Duration.ofSeconds(1))
                .build();
        HealthState s = fullyUp();
        s.record(false);
        assertEquals(Duration.ofSeconds(1), s.nextInterval(plain));
        s.record(false);
        s.record(false);
        assertEquals(Duration.ofSeconds(1), s.nextInterval(plain));
    }

    @Test
    void riseAndFallOfOne() {
        HealthState s = new HealthState(1, 1, true, false);
        assertEquals(WENT_DOWN, s.record(false));
        assertEquals(WENT_UP, s.record(true));
    }
}
