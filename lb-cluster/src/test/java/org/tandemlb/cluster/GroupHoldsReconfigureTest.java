package org.tandemlb.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tandemlb.cluster.vip.VipDriver;
import org.tandemlb.core.config.HostPort;

/**
 * A reload of the cluster section as the groups of a node take it ({@link GroupHolds#reconfigure}):
 * unchanged VIPs keep their drivers, a held group claims the VIPs it gains and releases those it
 * loses at once, an address moved between groups is released before it is claimed, a removed group
 * releases its VIPs and stops its timers, an added group claims nothing until it is elected.
 */
class GroupHoldsReconfigureTest {
    private final ScheduledExecutorService vipThread = Executors.newSingleThreadScheduledExecutor();
    private final List<String> done = new ArrayList<>();
    private final PauseDetector pause = new PauseDetector(System::nanoTime, TimeUnit.HOURS.toNanos(1), () -> {});

    @AfterEach
    void stop() {
        vipThread.shutdownNow();
    }

    /** A driver that only notes what it is asked, on the VIP thread. */
    private final class Fake implements VipDriver {
        private final VipConfig vip;

        Fake(VipConfig vip) {
            this.vip = vip;
        }

        @Override
        public VipConfig vip() {
            return vip;
        }

        @Override
        public void prepare() {}

        @Override
        public void claim() {
            note("claim " + vip.ip() + "@" + vip.group());
        }

        @Override
        public void renew() {
            note("renew " + vip.ip());
        }

        @Override
        public void release() {
            note("release " + vip.ip() + "@" + vip.group());
        }
    }

    private void note(String s) {
        synchronized (done) {
            done.add(s);
        }
    }

    private List<String> taken() throws Exception {
        vipThread.submit(() -> {}).get(5, TimeUnit.SECONDS); // what was queued before has run
        synchronized (done) {
            List<String> out = done.stream().filter(s -> !s.startsWith("renew")).toList();
            done.clear();
            return out;
        }
    }

    private static final long NOW = 1_000_000_000_000L;

    private static VipConfig vip(String ip, String group) {
        return VipConfig.bind(ip).inGroup(group);
    }

    private static ClusterConfig config(VipConfig... vips) {
        ClusterConfig.Builder b = ClusterConfig.builder("lb1", HostPort.parse("127.0.0.1:7800"), "s")
                .peer(HostPort.parse("127.0.0.1:7800"));
        for (VipConfig v : vips) {
            b.vip(v);
        }
        return b.build();
    }

    private GroupHolds holds(ClusterConfig config) {
        List<VipDriver> drivers = new ArrayList<>();
        config.vips().forEach(v -> drivers.add(new Fake(v)));
        return new GroupHolds(config, drivers, (name, own) -> new GroupHold(name, ownership(own)));
    }

    private VipOwnership ownership(List<VipDriver> own) {
        return new VipOwnership(own, vipThread, pause, System::nanoTime, new VipOwnership.Listener() {
            @Override
            public void claimed(boolean ok, long epoch) {}

            @Override
            public void released() {}

            @Override
            public void duplicate(VipConfig vip, String mac) {}
        });
    }

    /** Claims {@code g} as the actor would once elected, and waits for the claim. */
    private void hold(GroupHold g) throws Exception {
        vipThread.submit(() -> g.vips.claim(1)).get(5, TimeUnit.SECONDS);
        g.holding = true;
        g.epoch = 1;
    }

    /** Drivers for the VIPs of {@code next} not in {@code running}: what the reload prepares. */
    private Map<VipConfig, VipDriver> fresh(ClusterConfig running, ClusterConfig next) {
        Map<VipConfig, VipDriver> fresh = new LinkedHashMap<>();
        next.vips().stream().filter(v -> !running.vips().contains(v)).forEach(v -> fresh.put(v, new Fake(v)));
        return fresh;
    }

    private static List<String> ips(GroupHold g) {
        return g.configured.stream().map(d -> d.vip().ip()).toList();
    }

    @Test
    void aHeldGroupClaimsWhatItGainsAnAddedGroupWaitsForItsElectionARemovedOneGoes() throws Exception {
        ClusterConfig running = config(vip("10.0.0.1", "a"), vip("10.0.0.2", "b"));
        GroupHolds holds = holds(running);
        GroupHold a = holds.get("a");
        GroupHold b = holds.get("b");
        VipDriver kept = a.configured.get(0);
        hold(a);
        assertEquals(List.of("claim 10.0.0.1@a"), taken());

        ClusterConfig next =
                config(vip("10.0.0.1", "a"), vip("10.0.0.3", "a"), vip("10.0.0.2", "c"), vip("10.0.0.4", "c"));
        List<String> removed = holds.reconfigure(next, fresh(running, next), vipThread, running.profile(), NOW);

        assertEquals(List.of("b"), removed);
        assertEquals(List.of("a", "c"), holds.all().stream().map(g -> g.name).toList());
        assertSame(a, holds.get("a"), "a group that stays keeps its state");
        assertSame(kept, a.configured.get(0), "an unchanged VIP keeps its driver");
        assertEquals(List.of("10.0.0.1", "10.0.0.3"), ips(a));
        assertEquals(List.of("10.0.0.2", "10.0.0.4"), ips(holds.get("c")));
        assertFalse(holds.current(b), "the removed group's reports are ignored from now on");
        assertTrue(holds.current(a));
        // Only what the held group gained is claimed; group c waits for its election.
        assertEquals(List.of("claim 10.0.0.3@a"), taken());
        assertTrue(a.vips.held());
        assertFalse(holds.get("c").vips.held());
        assertEquals(Map.of("a", 1L), holds.held());
        ClaimRetry added = holds.get("c").retry;
        long interval = running.profile().advertInterval().toNanos();
        added.heard(NOW + 1);
        assertFalse(added.due(NOW + interval - 1), "an added group waits an advert interval, adverts or not");
        assertTrue(added.due(NOW + interval));
        assertTrue(a.retry.due(NOW), "a group that stays does not wait");
    }

    @Test
    void anAddressMovedOutOfAHeldGroupIsReleasedBeforeAnyClaimAndARemovedHeldGroupReleasesAndStops() throws Exception {
        ClusterConfig running = config(vip("10.0.0.1", "a"), vip("10.0.0.2", "a"), vip("10.0.0.5", "z"));
        GroupHolds holds = holds(running);
        GroupHold a = holds.get("a");
        GroupHold z = holds.get("z");
        holds.schedule(ClusterStack.Profile.DEFAULT);
        hold(a);
        hold(z);
        taken();

        // .2 moves from the held group a to a new group b; group z goes.
        ClusterConfig next = config(vip("10.0.0.1", "a"), vip("10.0.0.2", "b"));
        holds.reconfigure(next, fresh(running, next), vipThread, running.profile(), NOW);

        List<String> after = taken();
        assertTrue(after.containsAll(List.of("release 10.0.0.2@a", "release 10.0.0.5@z")), after.toString());
        assertEquals(2, after.size(), "nothing claimed, nothing else released: " + after);
        assertTrue(a.vips.held(), "group a keeps the VIP it still has");
        assertFalse(z.vips.held(), "the removed group's VIPs are released");
        assertEquals(List.of("10.0.0.1"), ips(a));

        // The removed group's timers are stopped: its lease renewal (every 0.5 s) no longer runs.
        synchronized (done) {
            done.clear();
        }
        // Two renewals of the held group: the removed group's would have run in between.
        await().atMost(Duration.ofSeconds(5)).until(() -> renewals("renew 10.0.0.1") >= 2);
        vipThread.submit(() -> {}).get(5, TimeUnit.SECONDS);
        synchronized (done) {
            assertFalse(done.contains("renew 10.0.0.5"), done.toString());
            assertTrue(done.contains("renew 10.0.0.1"), "the held group still renews: " + done);
        }
    }

    private long renewals(String what) {
        synchronized (done) {
            return done.stream().filter(what::equals).count();
        }
    }
}
