package org.tandemlb.cluster;

import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.backend.AdminState;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Server;

/**
 * What this node's advert says of its own fitness, apart from stopping and pauses: whether a server
 * of its backends is up, whether its tiebreaker answers (when one is set), and whether it stands
 * aside for a while (after a pause, an address conflict with a higher-ranked member, or failed
 * claims). {@link #refresh}, {@link #standAsideUntil} and the reads run on the node's actor thread;
 * the tiebreaker's probes block and run on its IO thread.
 */
final class Readiness {
    private final LoadBalancer lb;
    /** Replaced by a reload (on the actor), read by the probes on the IO thread. */
    private volatile Tiebreaker tiebreaker;
    // Confined to the actor thread.
    private boolean serversUp = true;
    private boolean tiebreakerOk;
    private long notReadyUntil;

    /** @param staleNanos how long a tiebreaker's answer counts */
    Readiness(ClusterConfig config, LoadBalancer lb, long staleNanos, LongSupplier ticker) {
        this.lb = lb;
        this.tiebreaker =
                config.tiebreaker() == null ? null : new Tiebreaker(config.tiebreaker(), 300, staleNanos, ticker);
        this.tiebreakerOk = tiebreaker == null;
    }

    /**
     * Probes the tiebreaker, while there is one (a reload may set one), every {@code tickMillis} on
     * {@code io}, then runs {@code then}.
     */
    void scheduleProbes(ScheduledExecutorService io, long tickMillis, Runnable then) {
        io.scheduleWithFixedDelay(
                () -> {
                    Tiebreaker t = tiebreaker;
                    if (t != null) {
                        t.probe();
                        then.run();
                    }
                },
                0,
                tickMillis,
                TimeUnit.MILLISECONDS);
    }

    /**
     * A reload: the tiebreaker from now on, null for none; the caller probed it once, so that a
     * node that holds groups does not count as unready until its first probe.
     */
    void tiebreaker(Tiebreaker probed) {
        tiebreaker = probed;
        tiebreakerOk = probed == null || probed.ok();
    }

    /** Takes the servers' and the tiebreaker's news: on every tick. */
    void refresh() {
        serversUp = computeServersUp();
        Tiebreaker t = tiebreaker;
        tiebreakerOk = t == null || t.ok();
    }

    /** This node stands aside until {@code until} (on the ticker). */
    void standAsideUntil(long until) {
        notReadyUntil = until;
    }

    /** Whether the tiebreaker answers and this node does not stand aside. */
    boolean ok(long now) {
        return tiebreakerOk && now - notReadyUntil >= 0;
    }

    /** Whether at least one server of its backends is up (true without backends). */
    boolean serversUp() {
        return serversUp;
    }

    private boolean computeServersUp() {
        List<Backend> backends = lb.backends();
        if (backends.isEmpty()) {
            return true;
        }
        for (Backend b : backends) {
            for (Server s : b.servers()) {
                if (s.isUp() && s.adminState() != AdminState.MAINT) {
                    return true;
                }
            }
        }
        return false;
    }
}
