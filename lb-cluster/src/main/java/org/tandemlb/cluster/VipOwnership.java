package org.tandemlb.cluster;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.cluster.vip.VipDriver;
import org.tandemlb.cluster.vip.VipException;

/**
 * The VIPs of one group of a {@link ClusterNode} ({@link GroupHold}) and what holding them takes: claiming (after duplicate-address
 * detection), gratuitous ARP, lease renewal, DAD rounds, release. Everything here runs on the
 * node's {@code tandem-vip} thread, one operation at a time under one lock, and reports back to
 * the node's cluster thread through a {@link Listener}; the node decides when to claim and
 * release, this class only does it.
 */
final class VipOwnership {
    private static final Logger log = LoggerFactory.getLogger(VipOwnership.class);
    /** Gratuitous ARP after a claim, at these delays (ms): several, spread over about two seconds. */
    private static final long[] ANNOUNCE_AT = {150, 400, 900, 1700};
    /**
     * While active, gratuitous ARP once a second as well: a neighbour whose cache was turned to
     * another host (the cut-off node coming back answers, or sends from the VIP, before it hears
     * that it lost) comes back within a second. One broadcast per VIP per second.
     */
    private static final long ANNOUNCE_REFRESH_MS = 1000;
    /** Duplicate-address detection runs this often, active or standby. */
    private static final long DAD_INTERVAL_MS = 2000;
    /** A DAD round this recent stands for the one before a claim. */
    private static final long DAD_FRESH = TimeUnit.SECONDS.toNanos(5);

    /** What the VIP thread reports; the node hands each call to its own thread. */
    interface Listener {
        /** A claim ended: the VIPs are held ({@code ok}) or not. */
        void claimed(boolean ok, long epoch);

        /** A release ended: nothing is held. */
        void released();

        /** DAD found {@code mac} answering for {@code vip}, unexpectedly. */
        void duplicate(VipConfig vip, String mac);
    }

    /** Replaced by a reload ({@link #update}), on the VIP thread under {@link #driverLock}. */
    private volatile List<VipDriver> drivers;

    private final ScheduledExecutorService vipThread;
    private final PauseDetector pause;
    private final LongSupplier ticker;
    private final Listener listener;
    private final ReentrantLock driverLock = new ReentrantLock();
    /** Whether the drivers hold the VIPs now (written under {@link #driverLock}). */
    private volatile boolean held;
    /**
     * Whether this node is the one that should draw the clients: holding and elected, not
     * stopping. Gratuitous ARP goes out only then: during a make-before-break handover the old
     * holder must not pull the clients back (written by the node's thread).
     */
    private volatile boolean announcing;
    /** The MAC addresses members advertise (written by the node's thread). */
    private volatile Set<String> memberMacs = Set.of();
    /** When the last DAD round found no host outside the cluster answering for a VIP (ticker), or never. */
    private volatile long lastCleanDad = Long.MIN_VALUE;
    /** The periodic work, cancelled when a reload removes the group. */
    private final List<ScheduledFuture<?>> timers = new ArrayList<>();

    VipOwnership(
            List<VipDriver> drivers,
            ScheduledExecutorService vipThread,
            PauseDetector pause,
            LongSupplier ticker,
            Listener listener) {
        this.drivers = List.copyOf(drivers);
        this.vipThread = vipThread;
        this.pause = pause;
        this.ticker = ticker;
        this.listener = listener;
    }

    /** Prepares every driver (removing stale copies of the VIPs); throws what a driver lacks. */
    void prepare() {
        drivers.forEach(VipDriver::prepare);
    }

    /**
     * Starts the periodic work: lease renewal, ARP refreshes and DAD rounds (the drivers other than
     * {@code linux} neither announce nor answer DAD: for them these rounds do nothing, and a reload
     * may add a {@code linux} VIP to the group).
     */
    synchronized void schedule(ClusterStack.Profile profile) {
        long renew = Math.max(250, profile.lease().toMillis() / 4);
        timers.add(vipThread.scheduleAtFixedRate(this::renewLeases, renew, renew, TimeUnit.MILLISECONDS));
        timers.add(vipThread.scheduleWithFixedDelay(
                this::announce, ANNOUNCE_REFRESH_MS, ANNOUNCE_REFRESH_MS, TimeUnit.MILLISECONDS));
        timers.add(vipThread.scheduleWithFixedDelay(
                this::checkDuplicates, DAD_INTERVAL_MS, DAD_INTERVAL_MS, TimeUnit.MILLISECONDS));
    }

    /**
     * A reload took {@code gone} out of the group: on the VIP thread, after any claim or release
     * queued before; released at once while the group is held. Before any {@link #update} of the
     * same reload, so that an address moved to another group is released before it is claimed.
     */
    void drop(List<VipDriver> gone) {
        driverLock.lock();
        try {
            List<VipDriver> kept = new ArrayList<>(drivers);
            kept.removeAll(gone);
            drivers = List.copyOf(kept);
            if (held) {
                gone.forEach(VipOwnership::safeRelease);
            }
        } finally {
            driverLock.unlock();
        }
    }

    /**
     * A reload gave the group the VIPs {@code next} (after {@link #drop}): on the VIP thread. While
     * the group is held, those added are claimed at once; one that cannot be is logged and the
     * group kept (the {@code linux} driver's lease renewal adds it on its next round).
     */
    void update(List<VipDriver> next) {
        driverLock.lock();
        try {
            List<VipDriver> old = drivers;
            drivers = List.copyOf(next);
            if (!held) {
                return;
            }
            for (VipDriver d : next) {
                if (!old.contains(d)) {
                    try {
                        d.claim();
                        d.announce();
                    } catch (VipException e) {
                        log.error("{}", e.getMessage());
                    }
                }
            }
        } finally {
            driverLock.unlock();
        }
    }

    /**
     * A reload removed the group: on the VIP thread, after any claim queued before, stops the
     * periodic work and releases the VIPs if they are held.
     */
    void retire() {
        synchronized (this) {
            timers.forEach(t -> t.cancel(false));
            timers.clear();
        }
        releaseIfHeld();
    }

    /** The drivers, in configuration order. */
    List<VipDriver> drivers() {
        return drivers;
    }

    /** The VIPs handled here, in configuration order. */
    List<VipConfig> vips() {
        return drivers.stream().map(VipDriver::vip).toList();
    }

    /** Whether only one node may hold the VIPs at a time (no make-before-break handover). */
    boolean exclusive() {
        return drivers.stream().anyMatch(VipDriver::exclusive);
    }

    int count() {
        return drivers.size();
    }

    /** Whether the VIPs are held now. */
    boolean held() {
        return held;
    }

    void announcing(boolean a) {
        announcing = a;
    }

    void memberMacs(Set<String> macs) {
        memberMacs = Set.copyOf(macs);
    }

    /** This host's MAC addresses on the VIPs' interfaces, for the adverts. */
    List<String> hardwareAddresses() {
        List<String> macs = new ArrayList<>();
        drivers.forEach(d -> macs.addAll(d.hardwareAddresses()));
        return macs;
    }

    /** Releases the VIPs now, on the calling thread, if they are held (a pause, the end of a stop). */
    void releaseIfHeld() {
        driverLock.lock();
        try {
            if (held) {
                releaseAll();
            }
        } finally {
            driverLock.unlock();
        }
    }

    /** Claims the VIPs (DAD first unless a recent round was clean), then announces them. */
    void claim(long newEpoch) {
        driverLock.lock();
        try {
            List<VipDriver> drivers = this.drivers;
            if (!pause.check() || pause.paused()) {
                listener.claimed(false, newEpoch);
                return;
            }
            // Duplicate-address detection before claiming: the standby runs it every 2 s, so a
            // recent clean round spares the claim its wait (a failover is then just the address and
            // the gratuitous ARP); otherwise it runs now.
            if (lastCleanDad == Long.MIN_VALUE || ticker.getAsLong() - lastCleanDad > DAD_FRESH) {
                for (VipDriver d : drivers) {
                    String foreign = foreign(d.answering());
                    if (foreign != null) {
                        throw new VipException("VIP " + d.vip().ip() + ": another host (" + foreign
                                + ") answers for it: not claiming an address in use outside the cluster");
                    }
                }
            }
            List<VipDriver> claimed = new ArrayList<>();
            try {
                for (VipDriver d : drivers) {
                    d.claim();
                    claimed.add(d);
                }
            } catch (VipException e) {
                Collections.reverse(claimed);
                for (VipDriver d : claimed) {
                    safeRelease(d);
                }
                throw e;
            }
            held = true;
            announcing = true;
            drivers.forEach(VipDriver::announce);
            for (long at : ANNOUNCE_AT) {
                vipThread.schedule(this::announce, at, TimeUnit.MILLISECONDS);
            }
            listener.claimed(true, newEpoch);
        } catch (VipException e) {
            log.error("{}", e.getMessage());
            listener.claimed(false, newEpoch);
        } catch (RuntimeException e) {
            log.error("claiming the VIPs failed", e);
            listener.claimed(false, newEpoch);
        } finally {
            driverLock.unlock();
        }
    }

    /**
     * Announces now and again on the claim's schedule: a member has just (re)appeared, and the
     * other side of a healed partition may have pointed the neighbours at itself with its last
     * announcement before it heard this node and released.
     */
    void reannounce() {
        vipThread.execute(this::announce);
        for (long at : ANNOUNCE_AT) {
            vipThread.schedule(this::announce, at, TimeUnit.MILLISECONDS);
        }
    }

    /** Gratuitous ARP (IPv6: neighbour advertisements), while holding and announcing. */
    void announce() {
        // The pause check first, as for a renewal: after a SIGSTOP or a long GC this thread's
        // overdue announcement may run before any other check has noticed the pause, and a
        // gratuitous ARP for an address whose lease ran out (a peer holds it now) would point
        // the neighbours back at this node.
        if (!held || pause.paused() || !pause.check()) {
            return;
        }
        driverLock.lock();
        try {
            if (held && announcing && !pause.paused()) {
                drivers.forEach(VipDriver::announce);
            }
        } catch (RuntimeException e) {
            log.warn(
                    "announcing the VIPs (gratuitous ARP, neighbour advertisement) failed: {}",
                    ClusterNode.describe(e));
        } finally {
            driverLock.unlock();
        }
    }

    /** Releases every VIP. */
    void release() {
        driverLock.lock();
        try {
            releaseAll();
        } finally {
            driverLock.unlock();
        }
        listener.released();
    }

    /** Under {@link #driverLock}. */
    private void releaseAll() {
        List<VipDriver> reversed = new ArrayList<>(this.drivers);
        Collections.reverse(reversed);
        for (VipDriver d : reversed) {
            safeRelease(d);
        }
        held = false;
    }

    private static void safeRelease(VipDriver d) {
        try {
            d.release();
        } catch (RuntimeException e) {
            // The linux driver's lease makes the kernel drop the address by itself shortly.
            log.error("{}", e.getMessage());
        }
    }

    void renewLeases() {
        if (!held || pause.paused() || !pause.check()) {
            return;
        }
        driverLock.lock();
        try {
            if (held && !pause.paused()) {
                for (VipDriver d : drivers) {
                    d.renew();
                }
            }
        } catch (RuntimeException e) {
            log.error("renewing the VIPs failed: {}", ClusterNode.describe(e));
        } finally {
            driverLock.unlock();
        }
    }

    /** Duplicate-address detection while holding: who else answers for our VIPs. */
    void checkDuplicates() {
        if (pause.paused()) {
            return;
        }
        long started = ticker.getAsLong();
        boolean clean = true;
        for (VipDriver d : drivers) {
            List<String> others;
            try {
                others = d.answering();
            } catch (RuntimeException e) {
                log.warn("duplicate-address detection failed: {}", ClusterNode.describe(e));
                clean = false;
                continue;
            }
            clean &= foreign(others) == null;
            for (String mac : others) {
                // Holding: another member answering may outrank us. Standby: a member answering
                // is the active one, as expected; a foreign host is a conflict either way.
                if (held || !memberMacs.contains(mac)) {
                    listener.duplicate(d.vip(), mac);
                }
            }
        }
        lastCleanDad = clean ? started : Long.MIN_VALUE;
    }

    /** The first of {@code macs} that no member advertises, or null. */
    private String foreign(List<String> macs) {
        Set<String> known = memberMacs;
        return macs.stream().filter(m -> !known.contains(m)).findFirst().orElse(null);
    }
}
