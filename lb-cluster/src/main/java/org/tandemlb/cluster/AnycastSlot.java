package org.tandemlb.cluster;

import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;
import org.tandemlb.cluster.vip.BirdSpeaker;
import org.tandemlb.cluster.vip.CommandRunner;

/**
 * A node's {@link Anycast} across reloads: none while the cluster section has no {@code bgp} VIP,
 * one made, kept, reconfigured or retired as reloads add, change and remove them. Every
 * call is safe when there is none (the node has nothing to announce).
 */
final class AnycastSlot {
    private final ScheduledExecutorService bgpThread;
    private final LongSupplier ticker;
    private volatile Anycast anycast;

    /**
     * @param config    the cluster section the node starts with
     * @param runner    runs {@code birdc}
     * @param bgpThread the thread the announcements run on
     * @param ticker    the monotonic clock, in nanoseconds
     */
    AnycastSlot(ClusterConfig config, CommandRunner runner, ScheduledExecutorService bgpThread, LongSupplier ticker) {
        this.bgpThread = bgpThread;
        this.ticker = ticker;
        List<VipConfig> bgp = Reconfiguration.bgpVips(config);
        this.anycast = bgp.isEmpty()
                ? null
                : create(
                        new BirdSpeaker(
                                bgp, config.bgp(), runner, config.profile().lease()),
                        config);
    }

    private Anycast create(BirdSpeaker speaker, ClusterConfig c) {
        return new Anycast(
                speaker,
                bgpThread,
                ticker,
                c.bgp(),
                SoloWatch.others(c).size() + 1,
                c.profile().staleAfter().multipliedBy(2),
                c.node());
    }

    /** Whether the node has {@code bgp} VIPs to announce (withdrawn or not at the moment). */
    boolean present() {
        return anycast != null;
    }

    /** Checks BIRD before the node starts (see {@link Anycast#prepare}). */
    void prepare() {
        Anycast a = anycast;
        if (a != null) {
            a.prepare();
        }
    }

    /** Each tick of the node decides and renews the announcements' lease: a stalled actor loses them. */
    void tick(Anycast.Fitness fitness) {
        Anycast a = anycast;
        if (a != null) {
            a.tick(fitness);
        }
    }

    /** Withdraws before the node stops serving, so that the router converges first. */
    void withdrawForStop() {
        Anycast a = anycast;
        if (a != null) {
            a.withdrawForStop();
        }
    }

    /** At the very end of a stop, once the bgp thread is shut down: withdraws and removes the addresses. */
    void close() {
        Anycast a = anycast;
        if (a != null) {
            a.close();
        }
    }

    /** {@code vips} with this node as the owner of the {@code bgp} ones it announces. */
    ClusterStatus status(ClusterStatus s) {
        Anycast a = anycast;
        return a == null ? s : new ClusterStatus(s.node(), s.role(), s.members(), a.status(s.vips()), s.groups());
    }

    /** Whether the {@code bgp} VIPs are announced now. */
    boolean announced() {
        Anycast a = anycast;
        return a != null && a.announced();
    }

    /** The {@code bgp} VIPs after a reload: announced from now on, no more, or by a new speaker. */
    void reconfigure(Reconfiguration r) {
        if (!r.bgpChanged()) {
            return;
        }
        Anycast a = anycast;
        if (r.speaker() == null) {
            if (a != null) {
                a.retire();
                anycast = null;
            }
        } else if (a == null) {
            a = create(r.speaker(), r.config());
            a.startVerifying();
            anycast = a;
        } else {
            a.reconfigure(
                    r.speaker(), r.config().bgp(), SoloWatch.others(r.config()).size() + 1);
        }
    }
}
