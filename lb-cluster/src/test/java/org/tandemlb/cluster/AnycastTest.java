package org.tandemlb.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tandemlb.cluster.vip.BirdSpeaker;
import org.tandemlb.cluster.vip.CommandRunner;

/** When a node announces its {@code bgp} VIPs, and the commands that do it. */
class AnycastTest {
    private static final Anycast.Fitness FIT = new Anycast.Fitness(true, true, 3);

    private final AtomicLong ticker = new AtomicLong(7_000_000_000L);
    private final List<String> commands = new ArrayList<>();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();
    private final CommandRunner runner = (command, env, timeout) -> {
        String line = String.join(" ", command);
        synchronized (commands) {
            commands.add(line);
        }
        // birdc: the banner, then the answer, as BIRD 2.0.12 prints them.
        if (command.get(0).equals("birdc")) {
            return new CommandRunner.Result(
                    0, "BIRD 2.0.12 ready.\ntandem_vips: " + command.get(command.size() - 2) + "d");
        }
        return new CommandRunner.Result(0, "");
    };
    private final Anycast anycast = new Anycast(
            new BirdSpeaker(
                    List.of(VipConfig.bgp("203.0.113.10"), VipConfig.bgp("2001:db8::10")),
                    BgpConfig.DEFAULT,
                    runner,
                    Duration.ofSeconds(2)),
            thread,
            ticker::get,
            new BgpConfig("/run/bird/bird.ctl", "tandem_vips", Duration.ofMillis(200)),
            3,
            Duration.ofSeconds(3),
            "lb1");

    @AfterEach
    void stop() {
        thread.shutdownNow();
    }

    private List<String> snapshot() {
        synchronized (commands) {
            return List.copyOf(commands);
        }
    }

    private List<String> taken() {
        synchronized (commands) {
            List<String> out = List.copyOf(commands);
            commands.clear();
            return out;
        }
    }

    @Test
    void aQuorumIsAStrictMajorityOfTheConfiguredNodesButOneForASoloNodeOrAPair() {
        assertEquals(
                List.of(1, 1, 2, 3, 3, 4),
                List.of(1, 2, 3, 4, 5, 6).stream().map(Anycast::quorum).toList());
    }

    @Test
    void aNodeAnnouncesOnlyWhenReadyWithAServerUpAndInAQuorum() {
        assertNull(Anycast.withdrawReason(FIT, 2));
        assertNull(Anycast.withdrawReason(new Anycast.Fitness(true, true, 2), 2));
        assertTrue(
                Anycast.withdrawReason(new Anycast.Fitness(false, true, 3), 2).startsWith("not ready"));
        assertTrue(
                Anycast.withdrawReason(new Anycast.Fitness(true, false, 3), 2).contains("no server"));
        assertTrue(Anycast.withdrawReason(new Anycast.Fitness(true, true, 1), 2).contains("quorum of 2"));
        assertTrue(Anycast.withdrawReason(new Anycast.Fitness(true, true, 0), 1).contains("quorum of 1"));
    }

    @Test
    void itAddsTheAddressesThenEnablesRenewsOnEveryTickAndWithdrawsBeforeRemovingThem() {
        anycast.tick(FIT);
        await().until(anycast::announced);
        assertEquals(
                List.of(
                        "ip addr replace 203.0.113.10/32 dev lo valid_lft 2 preferred_lft 2",
                        "ip addr replace 2001:db8::10/128 dev lo valid_lft 2 preferred_lft 2",
                        "birdc -s /run/bird/bird.ctl enable tandem_vips"),
                taken());
        anycast.tick(FIT); // a renewal: the addresses' lease, not BIRD again
        await().until(() -> snapshot().size() == 2);
        assertEquals(
                List.of(
                        "ip addr replace 203.0.113.10/32 dev lo valid_lft 2 preferred_lft 2",
                        "ip addr replace 2001:db8::10/128 dev lo valid_lft 2 preferred_lft 2"),
                taken());
        anycast.tick(new Anycast.Fitness(true, true, 1)); // lost the quorum: announced (and renewed) for 3 s more
        await().until(() -> snapshot().size() == 2);
        assertTrue(taken().stream().allMatch(c -> c.startsWith("ip addr replace ")));
        assertTrue(anycast.announced());
        ticker.addAndGet(Duration.ofSeconds(3).toNanos());
        anycast.tick(new Anycast.Fitness(true, true, 1));
        await().until(() -> !anycast.announced());
        // Withdrawn first; the addresses go after the drain (200 ms here).
        await().until(() -> snapshot().size() == 3);
        assertEquals(
                List.of(
                        "birdc -s /run/bird/bird.ctl disable tandem_vips",
                        "ip addr del 203.0.113.10/32 dev lo",
                        "ip addr del 2001:db8::10/128 dev lo"),
                taken());
    }

    @Test
    void anAnnouncingNodeRidesOutAShortLossOfTheQuorumButANewOneWaitsForIt() {
        anycast.tick(new Anycast.Fitness(true, true, 1)); // alone at start: not announcing
        await().during(Duration.ofMillis(200))
                .atMost(Duration.ofSeconds(2))
                .until(() -> !anycast.announced() && snapshot().isEmpty());
        anycast.tick(FIT);
        await().until(anycast::announced);
        anycast.tick(new Anycast.Fitness(true, true, 1)); // a view change leaves it alone
        ticker.addAndGet(Duration.ofMillis(2900).toNanos());
        anycast.tick(new Anycast.Fitness(true, true, 1));
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(anycast::announced);
        anycast.tick(FIT); // the quorum is back: the grace starts anew next time
        ticker.addAndGet(Duration.ofSeconds(1).toNanos());
        anycast.tick(new Anycast.Fitness(true, true, 1));
        ticker.addAndGet(Duration.ofMillis(2900).toNanos());
        anycast.tick(new Anycast.Fitness(true, true, 1));
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(anycast::announced);
        ticker.addAndGet(Duration.ofMillis(100).toNanos()); // 3 s without the quorum
        anycast.tick(new Anycast.Fitness(true, true, 1));
        await().until(() -> !anycast.announced());
    }

    @Test
    void announcedAgainWithinTheDrainTheAddressesStay() {
        anycast.tick(FIT);
        await().until(anycast::announced);
        anycast.tick(new Anycast.Fitness(true, false, 3)); // the backends are down
        await().until(() -> !anycast.announced());
        anycast.tick(FIT);
        await().until(anycast::announced);
        taken();
        anycast.tick(FIT);
        // Past the drain of the withdrawal (200 ms), no address was removed.
        await().during(Duration.ofMillis(400))
                .atMost(Duration.ofSeconds(2))
                .until(() -> snapshot().stream().noneMatch(c -> c.contains(" del ")));
    }

    @Test
    void aGracefulStopWithdrawsWaitsForTheDrainAndThenAnnouncesNoMore() {
        anycast.tick(FIT);
        await().until(anycast::announced);
        taken();
        long start = System.nanoTime();
        anycast.withdrawForStop();
        assertTrue(System.nanoTime() - start >= Duration.ofMillis(200).toNanos(), "waited for the drain");
        assertEquals(List.of("birdc -s /run/bird/bird.ctl disable tandem_vips"), taken());
        anycast.tick(FIT);
        await().during(Duration.ofMillis(200))
                .atMost(Duration.ofSeconds(2))
                .until(() -> !anycast.announced() && snapshot().isEmpty());
        anycast.close();
        assertEquals(List.of("ip addr del 203.0.113.10/32 dev lo", "ip addr del 2001:db8::10/128 dev lo"), taken());
    }

    @Test
    void aReloadChangesTheVipsWithoutWithdrawingThoseThatStay() {
        anycast.tick(FIT);
        await().until(anycast::announced);
        taken();
        BirdSpeaker next = new BirdSpeaker(
                List.of(VipConfig.bgp("203.0.113.10"), VipConfig.bgp("203.0.113.11")),
                BgpConfig.DEFAULT,
                runner,
                Duration.ofSeconds(2));
        anycast.reconfigure(next, BgpConfig.DEFAULT, 3);
        await().until(() -> snapshot().size() == 3);
        assertEquals(
                List.of(
                        "ip addr del 2001:db8::10/128 dev lo",
                        "ip addr replace 203.0.113.10/32 dev lo valid_lft 2 preferred_lft 2",
                        "ip addr replace 203.0.113.11/32 dev lo valid_lft 2 preferred_lft 2"),
                taken());
        assertTrue(anycast.announced(), "the routes that stay are not withdrawn");
        anycast.retire(); // every bgp VIP removed: withdrawn, the addresses gone after the drain (2 s now)
        await().atMost(Duration.ofSeconds(5)).until(() -> snapshot().size() == 3);
        assertEquals(
                List.of(
                        "birdc -s /run/bird/bird.ctl disable tandem_vips",
                        "ip addr del 203.0.113.10/32 dev lo",
                        "ip addr del 203.0.113.11/32 dev lo"),
                taken());
        assertTrue(!anycast.announced());
    }
}
