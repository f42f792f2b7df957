package org.tandemlb.core.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.history.Event;
import org.tandemlb.core.history.EventLog;

/** A server's changes go to the event log, and its health remembers since when. */
class ServerEventsTest {
    private Instant now = Instant.parse("2026-12-02T05:00:00Z");
    private final EventLog events = new EventLog(new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return now;
        }
    });
    private final Backend backend = new Backend(
            BackendConfig.builder("web", Mode.HTTP)
                    .server(ServerConfig.builder("a", "127.0.0.1:1").build())
                    .build(),
            System::nanoTime,
            null,
            events);
    private final Server a = backend.server("a");

    private List<String> logged() {
        return events.after(0, 100).stream()
                .map(e -> e.type().apiName() + " " + e.subject() + " " + e.message())
                .toList();
    }

    private static CheckResult check(boolean passed, String message) {
        return new CheckResult(
                passed ? CheckResult.Status.PASSED : CheckResult.Status.FAILED,
                "http",
                message,
                Duration.ofMillis(2),
                Instant.EPOCH);
    }

    @Test
    void healthStateAndWeightChangesAreRecorded() {
        Instant created = now;
        assertEquals(created, a.healthSince());
        now = now.plusSeconds(30);
        a.setUp(true, "nothing changed"); // already up: no event
        a.setUp(false, "http check: 503 (3/3 failed)");
        assertEquals(now, a.healthSince());
        a.setAdminState(AdminState.DRAIN);
        a.setAdminState(AdminState.DRAIN); // no change: no event
        a.setWeight(50);
        a.setWeight(50);
        assertEquals(
                List.of(
                        "server_health web/a down: http check: 503 (3/3 failed)",
                        "server_state web/a drain (was ready)",
                        "server_weight web/a weight 50 (was 1)"),
                logged());
        Event last = events.latest(1).get(0);
        assertEquals(now, last.time());
    }

    @Test
    void onlyCheckResultsThatChangedAreRecorded() {
        a.recordCheck(check(true, "200")); // the first, passing: expected, not news
        a.recordCheck(check(true, "200"));
        a.recordCheck(check(false, "connection refused"));
        a.recordCheck(check(false, "connection refused"));
        a.recordCheck(check(false, "timeout after 2000ms"));
        a.recordCheck(check(true, "200"));
        assertEquals(
                List.of(
                        "server_health web/a http check failed: connection refused (was passed: 200)",
                        "server_health web/a http check failed: timeout after 2000ms (was failed: connection refused)",
                        "server_health web/a http check passed: 200 (was failed: timeout after 2000ms)"),
                logged());
    }
}
