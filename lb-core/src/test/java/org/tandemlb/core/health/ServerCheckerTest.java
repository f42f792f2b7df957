package org.tandemlb.core.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.backend.AdminState;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.CheckResult;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.HealthCheckConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.PassiveCheckConfig;
import org.tandemlb.core.config.ServerConfig;

/**
 * One server's checker on virtual time with scripted probe results: intervals, jitter, rise and
 * fall, timeouts, passive checks, admin states, slow start and the log lines. Nothing sleeps and
 * nothing touches the network.
 */
class ServerCheckerTest {
    private static final Clock WALL = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    private final ManualScheduler clock = new ManualScheduler();
    private final FakeCheck probe = new FakeCheck(clock);
    private final LogCapture logs = new LogCapture(ServerChecker.class);
    private double random = 0.5; // no jitter, first check in the middle of the first interval
    private ServerChecker checker;

    @AfterEach
    void tearDown() {
        if (checker != null) {
            checker.stop();
        }
        logs.close();
    }

    private static HealthCheckConfig.Builder http() {
        return HealthCheckConfig.builder(HealthCheckConfig.Type.HTTP)
                .interval(Duration.ofSeconds(2))
                .rise(2)
                .fall(3);
    }

    private Server server(UnaryOperator<BackendConfig.Builder> b) {
        Backend backend = new Backend(
                b.apply(BackendConfig.builder("be", Mode.HTTP)
                                .server(ServerConfig.builder("s1", "127.0.0.1:8080")
                                        .weight(100)
                                        .build()))
                        .build(),
                clock::nanoTime);
        return backend.server("s1");
    }

    private Server start(UnaryOperator<BackendConfig.Builder> b) {
        Server s = server(b);
        BackendConfig bc = s.backend().config();
        checker = new ServerChecker(s, bc.healthCheck(), bc.passiveCheck().enabled(), probe, clock, () -> random, WALL);
        checker.start(true);
        return s;
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    private List<Long> startsMs() {
        long origin = 1_000_000_000L;
        return probe.starts.stream().map(n -> ms(n - origin)).toList();
    }

    private static Duration ms(int millis) {
        return Duration.ofMillis(millis);
    }

    @Test
    void firstCheckAtARandomPointOfTheFirstIntervalThenOneEveryInterval() {
        random = 0.25;
        start(b -> b.healthCheck(http().build()));
        clock.advance(ms(499));
        assertEquals(0, probe.probes(), "not before a quarter of the interval");
        clock.advance(ms(1));
        assertEquals(1, probe.probes());
        clock.advance(Duration.ofSeconds(10));
        // with random 0.25 the jitter is -5%: 1.9s from the start of one check to the next
        assertEquals(List.of(500L, 2400L, 4300L, 6200L, 8100L, 10000L), startsMs());
    }

    @Test
    void jitterStaysWithinTenPercentOfTheInterval() {
        random = 0.0;
        start(b -> b.healthCheck(http().build()));
        clock.advance(ms(5000));
        assertEquals(List.of(0L, 1800L, 3600L), startsMs().subList(0, 3), "-10%");
        random = 0.999_999;
        long last = probe.starts.get(probe.probes() - 1);
        clock.advance(Duration.ofSeconds(5));
        long gap = probe.starts.get(probe.probes() - 1) - probe.starts.get(probe.probes() - 2);
        assertTrue(
                gap <= Duration.ofMillis(2200).toNanos()
                        && gap > Duration.ofMillis(2199).toNanos(),
                "+10%: " + gap);
        assertTrue(probe.starts.get(probe.probes() - 2) >= last);
    }

    @Test
    void theFirstFailedCheckTakesAServerDownAtBoot() {
        Server s = start(b -> b.healthCheck(http().build()));
        assertTrue(s.isUp(), "up at boot");
        assertNull(s.lastCheck(), "no check yet");
        probe.always(false);
        clock.advance(ms(1003));
        assertFalse(s.isUp(), "down at the first failure, not after fall");
        assertEquals(1, s.checkFailuresTotal());
        assertEquals(List.of("WARN server be/s1 is DOWN: http check: 503 (first check failed)"), logs.lines());
    }

    @Test
    void fallFailuresAtTheFastIntervalTakeItDownAndRiseSuccessesAtTheDownIntervalBringItBack() {
        Server s = start(b -> b.healthCheck(http().fastInterval(ms(500))
                .downInterval(Duration.ofSeconds(10))
                .build()));
        clock.advance(ms(1003)); // the first check, at 1s, passes: confirmed up
        assertTrue(s.isUp());
        probe.always(false);
        clock.advance(ms(2000)); // t = 3.003s: 1/3 failed; from now on the fast interval
        clock.advance(ms(500)); // t = 3.503s: 2/3
        assertTrue(s.isUp());
        clock.advance(ms(499)); // t = 4.002s: the third started at 4s
        assertTrue(s.isUp());
        clock.advance(ms(1));
        assertFalse(s.isUp(), "3/3 failed at 4.003s");
        probe.always(true);
        clock.advance(Duration.ofSeconds(10)); // t = 14.003s: the down interval; 1/2 succeeded
        assertFalse(s.isUp());
        clock.advance(ms(500)); // the fast interval: 2/2 at 14.503s
        assertTrue(s.isUp());
        assertEquals(
                List.of(1000L, 3000L, 3500L, 4000L, 14000L, 14500L), startsMs().subList(0, 6));
        assertEquals(3, s.checkFailuresTotal());
        assertEquals(
                List.of(
                        "WARN server be/s1 is DOWN: http check: 503 (3/3 failed)",
                        "INFO server be/s1 is UP: http check: 200 in 3ms (2/2 succeeded)"),
                logs.lines());
    }

    @Test
    void lastCheckKeepsStatusDurationMessageAndTime() {
        Server s = start(b -> b.healthCheck(http().build()));
        probe.delay = ms(42);
        clock.advance(Duration.ofSeconds(2));
        CheckResult r = s.lastCheck();
        assertNotNull(r);
        assertEquals(CheckResult.Status.PASSED, r.status());
        assertEquals("http", r.type());
        assertEquals("200", r.message());
        assertEquals(ms(42), r.duration());
        assertEquals(WALL.instant(), r.time());
        assertEquals(0, s.checkFailuresTotal());
    }

    @Test
    void aCheckThatHangsFailsAtTheTimeoutAndIsCancelled() {
        Server s = start(b -> b.healthCheck(http().timeout(ms(800)).build()));
        probe.hangs();
        clock.advance(ms(1000)); // starts at 1s
        assertEquals(1, probe.probes());
        clock.advance(ms(799));
        assertNull(s.lastCheck());
        clock.advance(ms(1));
        assertEquals("timeout after 800ms", s.lastCheck().message());
        assertEquals(ms(800), s.lastCheck().duration());
        assertEquals(1, probe.cancelled, "the probe's connection is closed");
        assertFalse(s.isUp());
        clock.advance(ms(1200));
        assertEquals(2, probe.probes(), "the next one an interval after the previous one started");
    }

    @Test
    void anAnswerAfterTheTimeoutIsIgnored() {
        Server s = start(b -> b.healthCheck(http().timeout(ms(100)).build()));
        probe.ignoresCancel = true;
        probe.delay = ms(150);
        clock.advance(ms(1000));
        clock.advance(ms(100));
        assertEquals("timeout after 100ms", s.lastCheck().message());
        clock.advance(ms(50)); // the late "200" arrives
        assertEquals("timeout after 100ms", s.lastCheck().message());
        assertFalse(s.isUp(), "the late success did not count");
        assertEquals(1, s.checkFailuresTotal());
    }

    @Test
    void aCheckThatTakesLongerThanTheIntervalIsFollowedAtOnceNeverOverlapped() {
        Server s = start(
                b -> b.healthCheck(http().interval(ms(1000)).timeout(ms(3000)).build()));
        probe.delay = ms(2500);
        clock.advance(Duration.ofSeconds(10));
        assertEquals(List.of(500L, 3000L, 5500L, 8000L), startsMs());
        assertTrue(s.isUp());
    }

    @Test
    void passiveErrorsMarkTheServerDownAtOnceAndActiveChecksBringItBack() {
        Server s = start(b -> b.healthCheck(http().build()).passiveCheck(new PassiveCheckConfig(3)));
        clock.advance(ms(1003));
        s.connectFailed();
        s.connectFailed();
        s.connectSucceeded(); // the run is broken
        s.connectFailed();
        s.connectFailed();
        assertTrue(s.isUp(), "never 3 in a row");
        s.connectFailed();
        assertFalse(s.isUp(), "down at once, on the thread that saw the third error");
        for (int i = 0; i < 5; i++) {
            s.connectFailed(); // connects in flight fail too: no second report
        }
        clock.runDue();
        assertFalse(s.isUp());
        clock.advance(ms(2000)); // the next check, at 3s, passes: 1/2
        assertFalse(s.isUp());
        clock.advance(Duration.ofSeconds(2)); // 2/2 at 5.003s
        assertTrue(s.isUp());
        assertEquals(0, s.checkFailuresTotal(), "passive errors are not failed checks");
        assertEquals(
                List.of(
                        "WARN server be/s1 is DOWN: passive check: 3 consecutive connect errors or timeouts",
                        "INFO server be/s1 is UP: http check: 200 in 3ms (2/2 succeeded)"),
                logs.lines());
    }

    @Test
    void withOnlyAPassiveCheckATcpCheckRunsOnlyWhileTheServerIsDown() {
        Server s = start(b -> b.passiveCheck(new PassiveCheckConfig(2)));
        clock.advance(Duration.ofMinutes(1));
        assertEquals(0, probe.probes(), "no checks while up");
        s.connectFailed();
        s.connectFailed();
        assertFalse(s.isUp());
        clock.runDue();
        long downAt = clock.nanoTime();
        clock.advance(ms(2003)); // the default interval (2s) with no jitter: 1/2
        assertEquals(1, probe.probes());
        assertEquals(downAt + Duration.ofSeconds(2).toNanos(), probe.starts.get(0));
        assertFalse(s.isUp());
        clock.advance(Duration.ofSeconds(2)); // 2/2 (default rise)
        assertTrue(s.isUp());
        clock.advance(Duration.ofMinutes(1));
        assertEquals(2, probe.probes(), "no checks once up again");
        s.connectFailed();
        s.connectFailed();
        assertFalse(s.isUp(), "and it works again");
    }

    @Test
    void maintStopsChecksAndLeavingItTheServerIsUpUntilItsFirstCheckFails() {
        Server s = start(b -> b.healthCheck(http().build()));
        clock.advance(ms(1003));
        probe.hangs();
        clock.advance(ms(2000)); // a check is in flight at 3s
        s.setAdminState(AdminState.MAINT);
        clock.runDue();
        assertEquals(1, probe.cancelled, "the check in flight is cancelled");
        int before = probe.probes();
        clock.advance(Duration.ofMinutes(1));
        assertEquals(before, probe.probes(), "no checks in maint");
        probe.always(false);
        s.setAdminState(AdminState.READY);
        clock.runDue();
        assertEquals(before + 1, probe.probes(), "a check at once when leaving maint");
        assertTrue(s.isUp());
        clock.advance(ms(3));
        assertFalse(s.isUp(), "its first failure takes it down");
    }

    @Test
    void aDownServerLeavingMaintIsUpAndItsFirstPassingCheckConfirmsIt() {
        Server s = start(b -> b.healthCheck(http().build()));
        probe.always(false);
        clock.advance(ms(1003));
        assertFalse(s.isUp());
        s.setAdminState(AdminState.MAINT);
        clock.runDue();
        probe.always(true);
        s.setAdminState(AdminState.READY);
        clock.runDue();
        assertTrue(s.isUp(), "up when leaving maint, as HAProxy's init-state up");
        clock.advance(Duration.ofSeconds(10));
        assertTrue(s.isUp());
        assertTrue(
                logs.lines().contains("INFO server be/s1 is UP: left maint (until a check fails)"),
                logs.lines().toString());
    }

    @Test
    void drainedServersAreStillChecked() {
        Server s = start(b -> b.healthCheck(http().build()));
        s.setAdminState(AdminState.DRAIN);
        clock.advance(Duration.ofSeconds(10));
        assertEquals(5, probe.probes());
        probe.always(false);
        clock.advance(Duration.ofSeconds(6));
        assertFalse(s.isUp(), "a drained server still goes down");
    }

    @Test
    void slowStartRampsTheWeightLinearlyAfterADownUpTransitionButNotAtBoot() {
        Server s = start(b -> b.healthCheck(http().rise(1).build()).slowStart(Duration.ofSeconds(10)));
        assertEquals(100, s.weight(), "no slow start at boot");
        probe.then(false);
        clock.advance(ms(1003));
        assertFalse(s.isUp());
        clock.advance(ms(2000)); // 3.003s: up again (rise 1)
        assertTrue(s.isUp());
        assertEquals(1, s.weight(), "at least 1 from the start");
        assertTrue(s.slowStarting());
        clock.advance(ms(1000));
        assertEquals(10, s.weight());
        clock.advance(ms(4000));
        assertEquals(50, s.weight());
        assertEquals(100, s.targetWeight(), "the configured weight stays the target");
        s.setWeight(60);
        assertEquals(30, s.weight(), "an API change of weight ramps too");
        clock.advance(ms(5000));
        assertEquals(60, s.weight());
        assertFalse(s.slowStarting());
        clock.advance(ms(5000));
        assertEquals(60, s.weight());
    }

    @Test
    void leavingMaintSlowStarts() {
        Server s = start(b -> b.healthCheck(http().build()).slowStart(Duration.ofSeconds(4)));
        clock.advance(ms(1003));
        s.setAdminState(AdminState.MAINT);
        s.setAdminState(AdminState.READY);
        assertEquals(1, s.weight());
        clock.advance(ms(2000));
        assertEquals(50, s.weight());
    }

    @Test
    void stopCancelsTheCheckInFlightAndEndsChecking() {
        start(b -> b.healthCheck(http().build()));
        probe.hangs();
        clock.advance(ms(1000));
        checker.stop();
        clock.runDue();
        assertEquals(1, probe.cancelled);
        clock.advance(Duration.ofMinutes(1));
        assertEquals(1, probe.probes());
        assertEquals(0, clock.pending());
    }
}
