package org.tandemlb.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.tandemlb.cluster.vip.CommandRunner;
import org.tandemlb.core.config.HostPort;

/** A node's {@code bgp} announcements across reloads that add and remove its {@code bgp} VIPs. */
class AnycastSlotTest {
    private static final Anycast.Fitness FIT = new Anycast.Fitness(true, true, 1);

    private final AtomicLong ticker = new AtomicLong(7_000_000_000L);
    private final List<String> commands = new ArrayList<>();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();
    private final CommandRunner runner = (command, env, timeout) -> {
        synchronized (commands) {
            commands.add(String.join(" ", command));
        }
        // birdc: the banner, then the answer, as BIRD 2.0.12 prints them.
        if (command.get(0).endsWith("birdc") && command.contains("show")) {
            return new CommandRunner.Result(
                    0,
                    "BIRD 2.0.12 ready.\nName       Proto      Table      State  Since         Info\n"
                            + "tandem_vips Direct     ---        up     12:00:00.000");
        }
        if (command.get(0).endsWith("birdc")) {
            return new CommandRunner.Result(
                    0, "BIRD 2.0.12 ready.\ntandem_vips: " + command.get(command.size() - 2) + "d");
        }
        return new CommandRunner.Result(0, "");
    };

    @AfterEach
    void stop() {
        thread.shutdownNow();
    }

    private static ClusterConfig config(VipConfig... vips) {
        ClusterConfig.Builder b = ClusterConfig.builder("lb1", HostPort.parse("127.0.0.1:7800"), "s3cret")
                .peer(HostPort.parse("127.0.0.1:7800")); // a node alone: its own quorum
        for (VipConfig v : vips) {
            b.vip(v);
        }
        return b.build();
    }

    private String snapshot() {
        synchronized (commands) {
            return String.join("\n", commands);
        }
    }

    private boolean said(String fragment) {
        synchronized (commands) {
            return commands.stream().anyMatch(c -> c.contains(fragment));
        }
    }

    private Reconfiguration reload(ClusterConfig started, ClusterConfig running, ClusterConfig next, AnycastSlot slot) {
        return Reconfiguration.prepare(started, running, next, v -> null, slot.present(), runner, ticker::get);
    }

    @Test
    void withoutBgpVipsEveryCallIsANoOp() {
        ClusterConfig c = config(VipConfig.bind("127.0.0.101"));
        AnycastSlot slot = new AnycastSlot(c, runner, thread, ticker::get);
        slot.prepare();
        slot.tick(FIT);
        slot.withdrawForStop();
        ClusterStatus s = new ClusterStatus(
                "lb1",
                ClusterStatus.Role.ACTIVE,
                List.of(),
                List.of(new ClusterStatus.Vip("127.0.0.101/32", "bind", "lb1", "default")),
                List.of());
        assertFalse(slot.present());
        assertFalse(slot.announced());
        assertEquals(s, slot.status(s));
        slot.close();
        assertEquals("", snapshot(), "nothing asked of BIRD or ip");
    }

    @Test
    void aReloadThatAddsBgpVipsAnnouncesThemAndOneThatRemovesThemRetires() {
        ClusterConfig none = config(VipConfig.bind("127.0.0.101"));
        ClusterConfig withBgp = config(VipConfig.bind("127.0.0.101"), VipConfig.bgp("203.0.113.10"));
        AnycastSlot slot = new AnycastSlot(none, runner, thread, ticker::get);

        Reconfiguration added = reload(none, none, withBgp, slot);
        assertTrue(added.bgpChanged());
        slot.reconfigure(added);
        assertTrue(slot.present());
        slot.tick(FIT);
        await("announced").atMost(Duration.ofSeconds(5)).until(slot::announced);
        assertTrue(said("birdc -s /run/bird/bird.ctl enable tandem_vips"), snapshot());
        ClusterStatus s = new ClusterStatus(
                "lb1",
                ClusterStatus.Role.ACTIVE,
                List.of(),
                List.of(new ClusterStatus.Vip("203.0.113.10/32", "bgp", null, null)),
                List.of());
        assertEquals("lb1", slot.status(s).vips().get(0).owner(), "this node owns what it announces");

        Reconfiguration same = reload(none, withBgp, withBgp, slot);
        assertFalse(same.bgpChanged());
        slot.reconfigure(same);
        assertTrue(slot.announced(), "a reload that changes nothing of bgp keeps announcing");

        synchronized (commands) {
            commands.clear();
        }
        Reconfiguration removed = reload(none, withBgp, none, slot);
        assertTrue(removed.bgpChanged());
        assertNull(removed.speaker());
        slot.reconfigure(removed);
        assertFalse(slot.present());
        assertFalse(slot.announced());
        await("withdrawn").atMost(Duration.ofSeconds(10)).until(() -> said("disable tandem_vips"));
        assertFalse(said("enable tandem_vips"), snapshot());
    }
}
