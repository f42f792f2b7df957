package org.tandemlb.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tandemlb.cluster.vip.VipDriver;

/**
 * After a pause (SIGSTOP, a long GC), the first time-critical thing the VIP thread does must not
 * act on what the node held before it: the peers replaced it meanwhile. A gratuitous ARP sent then
 * pointed the clients back at the resumed node for most of a second (NetnsClusterIT's frozen node).
 */
class VipOwnershipPauseTest {
    private static final long THRESHOLD = TimeUnit.SECONDS.toNanos(1);

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final List<String> done = new ArrayList<>();
    /** The claim's follow-up announcements run here, on their own schedule: not what is tested. */
    private final ScheduledExecutorService vipThread =
            Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "vip-thread"));

    private final AtomicReference<VipOwnership> ownership = new AtomicReference<>();
    private final PauseDetector pause = new PauseDetector(now::get, THRESHOLD, this::onPause);

    @AfterEach
    void stop() {
        vipThread.shutdownNow();
    }

    /** As the node does: release what is held, then go on. */
    private void onPause() {
        ownership.get().releaseIfHeld();
        pause.resume();
    }

    /** What the test's own calls made the driver do. */
    private synchronized void note(String s) {
        if (!Thread.currentThread().getName().equals("vip-thread")) {
            done.add(s);
        }
    }

    private synchronized List<String> taken() {
        List<String> out = List.copyOf(done);
        done.clear();
        return out;
    }

    private VipOwnership held() {
        VipConfig vip = VipConfig.linux("10.0.0.100", 24, "eth0");
        VipDriver driver = new VipDriver() {
            @Override
            public VipConfig vip() {
                return vip;
            }

            @Override
            public void prepare() {}

            @Override
            public void claim() {
                note("claim");
            }

            @Override
            public void renew() {
                note("renew");
            }

            @Override
            public void announce() {
                note("announce");
            }

            @Override
            public void release() {
                note("release");
            }
        };
        VipOwnership o = new VipOwnership(List.of(driver), vipThread, pause, now::get, new VipOwnership.Listener() {
            @Override
            public void claimed(boolean ok, long epoch) {}

            @Override
            public void released() {}

            @Override
            public void duplicate(VipConfig v, String mac) {}
        });
        ownership.set(o);
        o.claim(1);
        assertEquals(List.of("claim", "announce"), taken());
        return o;
    }

    @Test
    void theFirstAnnouncementAfterAPauseReleasesInsteadOfAnnouncing() {
        VipOwnership o = held();
        o.announce();
        assertEquals(List.of("announce"), taken(), "no pause: announced");

        now.addAndGet(3 * THRESHOLD); // frozen for three seconds
        o.announce();
        assertEquals(List.of("release"), taken(), "released, nothing announced");
        assertFalse(o.held());
        o.announce();
        o.renewLeases();
        assertEquals(List.of(), taken(), "nothing more once released");
    }

    @Test
    void theFirstRenewalAfterAPauseReleasesInsteadOfRenewing() {
        VipOwnership o = held();
        now.addAndGet(3 * THRESHOLD);
        o.renewLeases();
        assertEquals(List.of("release"), taken());
        assertFalse(o.held());
    }
}
