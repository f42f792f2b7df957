package org.tandemlb.admin.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.tandemlb.cluster.ClusterStatus;
import org.tandemlb.cluster.ClusterStatus.Role;
import org.tandemlb.core.history.EventLog;

/** Role changes become {@code cluster_role} events; a takeover also a {@code failover}. */
class ClusterEventsTest {
    private final EventLog log = new EventLog(Clock.systemUTC());
    private final AtomicLong failovers = new AtomicLong();
    private final ClusterEvents events = new ClusterEvents(log, failovers::get);

    private static ClusterStatus status(Role role, String owner) {
        return new ClusterStatus(
                "lb2", role, List.of(), List.of(new ClusterStatus.Vip("203.0.113.10/24", "linux", owner)));
    }

    @Test
    void roleChangesAndTakeovers() {
        events.accept(status(Role.STANDBY, "lb1"));
        failovers.incrementAndGet(); // lb1 died: lb2 took the VIPs over
        events.accept(status(Role.ACTIVE, "lb2"));
        events.accept(status(Role.STANDBY, "lb1")); // handed back (lb1 preempts)
        events.accept(status(Role.ACTIVE, "lb2")); // no takeover counted: first holder again
        assertEquals(
                List.of(
                        "cluster_role lb2 standby (was joining)",
                        "cluster_role lb2 active (was standby): holds 203.0.113.10/24",
                        "failover lb2 took the VIPs over: 203.0.113.10/24",
                        "cluster_role lb2 standby (was active)",
                        "cluster_role lb2 active (was standby): holds 203.0.113.10/24"),
                log.after(0, 10).stream()
                        .map(e -> e.type().apiName() + " " + e.subject() + " " + e.message())
                        .toList());
    }

    @Test
    void aNodeActiveForOneGroupThatTakesAnotherRecordsTheFailoverOfThatGroup() {
        ClusterStatus one = new ClusterStatus(
                "lb2",
                Role.ACTIVE,
                List.of(),
                List.of(
                        new ClusterStatus.Vip("203.0.113.10/24", "linux", "lb1", "a"),
                        new ClusterStatus.Vip("203.0.113.11/24", "linux", "lb2", "b")));
        ClusterStatus both = new ClusterStatus(
                "lb2",
                Role.ACTIVE,
                List.of(),
                List.of(
                        new ClusterStatus.Vip("203.0.113.10/24", "linux", "lb2", "a"),
                        new ClusterStatus.Vip("203.0.113.11/24", "linux", "lb2", "b")));
        events.accept(one);
        failovers.incrementAndGet(); // lb1 died: lb2 took group a over
        events.accept(both);
        assertEquals(
                List.of(
                        "cluster_role lb2 active (was joining): holds 203.0.113.11/24",
                        "failover lb2 took the VIPs over: 203.0.113.10/24"),
                log.after(0, 10).stream()
                        .map(e -> e.type().apiName() + " " + e.subject() + " " + e.message())
                        .toList());
    }
}
