package org.tandemlb.cluster;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.cluster.vip.BirdSpeaker;
import org.tandemlb.cluster.vip.VipException;

/**
 * The {@code bgp} VIPs of a node (docs/cluster.md, "All nodes active: BGP and ECMP"): they take no
 * part in the election; every node announces them while it is fit ({@link #announce}), and the
 * router spreads the flows over the nodes that do. The cluster's actor reports this node's
 * {@link Fitness} on every tick; the commands ({@link BirdSpeaker}) run on the node's
 * {@code tandem-bgp} thread, one at a time. The actor's ticks also renew the addresses' lease, so a
 * node whose actor stops (killed, frozen) loses its routes when the lease runs out.
 */
final class Anycast {
    private static final Logger log = LoggerFactory.getLogger(Anycast.class);
    /** How often BIRD's state is compared with ours (BIRD restarted meanwhile). */
    private static final long VERIFY_MS = 5000;

    /**
     * What the actor knows of this node on a tick.
     *
     * @param ready     not stopping, not paused, not standing aside, tiebreaker answering
     * @param serversUp a server of its backends is up
     * @param members   the members it counts, itself included: those of its view, and those outside
     *                  it whose adverts still arrive (within 1.5 s), as the election counts them; 0
     *                  before the first view
     */
    record Fitness(boolean ready, boolean serversUp, int members) {}

    /** Replaced by a reload, on the bgp thread. */
    private BirdSpeaker speaker;

    private final ScheduledExecutorService thread;
    private final LongSupplier ticker;
    private volatile long drainNanos;
    private final long quorumGraceNanos;
    /** Replaced by a reload; read by the actor. */
    private volatile int quorum;

    private final String node;
    private final AtomicBoolean queued = new AtomicBoolean();
    /** What the actor decided last (written by the actor, read by the bgp thread). */
    private volatile boolean want;
    /** Why it withdraws, for the log (actor thread). */
    private String lastReason = "starting";
    /** Since when (ticker) it counts fewer members than the quorum, or null (actor thread). */
    private Long quorumLostAt;
    /** Whether the routes are announced (written by the bgp thread). */
    private volatile boolean announced;
    // Confined to the bgp thread.
    private boolean stopping;
    private ScheduledFuture<?> removal;
    private ScheduledFuture<?> verifying;

    /**
     * @param configured  how many nodes the cluster's configuration lists (the quorum's base)
     * @param quorumGrace how long an announcing node keeps announcing while it counts too few
     *                    members: a view change among the survivors of a crash can leave each
     *                    alone for a moment, until their adverts reach each other again
     */
    Anycast(
            BirdSpeaker speaker,
            ScheduledExecutorService thread,
            LongSupplier ticker,
            BgpConfig config,
            int configured,
            Duration quorumGrace,
            String node) {
        this.speaker = speaker;
        this.thread = thread;
        this.ticker = ticker;
        this.quorumGraceNanos = quorumGrace.toNanos();
        this.drainNanos = config.drain().toNanos();
        this.quorum = quorum(configured);
        this.node = node;
    }

    /**
     * The members a node must count to announce: a strict majority of the configured
     * nodes; one for a solo node and for a pair, where a majority could not survive either node's
     * failure (docs/cluster.md says why that is safe with ECMP).
     */
    static int quorum(int configured) {
        return configured <= 2 ? 1 : configured / 2 + 1;
    }

    /** Null when a node this fit announces; otherwise why it withdraws. */
    static String withdrawReason(Fitness f, int quorum) {
        if (!f.ready()) {
            return "not ready (stopping, paused, standing aside or tiebreaker unanswered)";
        }
        if (!f.serversUp()) {
            return "no server of its backends is up";
        }
        if (f.members() < quorum) {
            return "it counts " + f.members() + " member(s), fewer than the quorum of " + quorum;
        }
        return null;
    }

    /** Checks BIRD and removes stale copies; on the starting thread, before the join. */
    void prepare() {
        speaker.prepare();
        startVerifying();
    }

    /** Compares BIRD's state with ours periodically: after {@link #prepare}, or a speaker prepared by a reload. */
    void startVerifying() {
        verifying = thread.scheduleWithFixedDelay(this::verify, VERIFY_MS, VERIFY_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * A reload changed the {@code bgp} VIPs or the {@code bgp} section (docs/cluster.md): from now
     * on {@code next} ({@linkplain BirdSpeaker#check checked}) speaks for them, with {@code
     * configured} nodes counting for the quorum. While announcing, a new BIRD protocol or socket
     * is enabled after the old one is disabled, VIPs removed leave {@code lo} at once and VIPs
     * added join it; the routes of the VIPs that stay are not withdrawn.
     */
    void reconfigure(BirdSpeaker next, BgpConfig config, int configured) {
        quorum = quorum(configured);
        drainNanos = config.drain().toNanos();
        execute(() -> {
            BirdSpeaker old = speaker;
            speaker = next;
            if (stopping) {
                return;
            }
            try {
                if (announced && !old.sameProtocol(next)) {
                    old.disable();
                    next.enable();
                }
                old.unholdOthers(next);
                if (announced) {
                    next.hold();
                }
            } catch (VipException e) {
                log.error("{}", e.getMessage());
            }
        });
    }

    /**
     * A reload removed every {@code bgp} VIP: withdraws, and removes the addresses after the
     * drain; this instance does nothing more.
     */
    void retire() {
        execute(() -> {
            stopping = true;
            if (verifying != null) {
                verifying.cancel(false);
            }
            try {
                if (announced) {
                    withdraw();
                }
            } catch (VipException e) {
                log.error("{}", e.getMessage());
            }
            removal = thread.schedule(speaker::unhold, drainNanos, TimeUnit.NANOSECONDS);
        });
    }

    private void execute(Runnable r) {
        try {
            thread.execute(r);
        } catch (RejectedExecutionException e) {
            // stopping
        }
    }

    /** On the actor thread, every tick. */
    void tick(Fitness f) {
        long now = ticker.getAsLong();
        if (f.members() >= quorum) {
            quorumLostAt = null;
        } else if (quorumLostAt == null) {
            quorumLostAt = now;
        }
        // An announcing node rides out a short loss of the quorum (a view change); a node that
        // does not announce yet waits for the quorum itself.
        boolean graced = quorumLostAt != null && want && now - quorumLostAt < quorumGraceNanos;
        String reason = withdrawReason(graced ? new Fitness(f.ready(), f.serversUp(), quorum) : f, quorum);
        boolean w = reason == null;
        if (w != want || (!w && !reason.equals(lastReason))) {
            if (w) {
                log.info("node {}: announcing the bgp VIPs", node);
            } else {
                log.info("node {}: not announcing the bgp VIPs: {}", node, reason);
            }
        }
        want = w;
        lastReason = w ? null : reason;
        // Every tick while announcing renews the addresses' lease; ticks that come while the bgp
        // thread is busy fold into one.
        if (queued.compareAndSet(false, true)) {
            try {
                thread.execute(this::apply);
            } catch (RejectedExecutionException e) {
                // stopping
            }
        }
    }

    /** Whether the routes are announced now. */
    boolean announced() {
        return announced;
    }

    private void apply() {
        queued.set(false);
        if (stopping) {
            return;
        }
        try {
            if (want) {
                speaker.hold();
                if (removal != null) {
                    removal.cancel(false);
                    removal = null;
                }
                if (!announced) {
                    speaker.enable();
                    announced = true;
                    log.info("node {}: bgp VIPs announced", node);
                }
            } else if (announced) {
                withdraw();
                // The addresses stay for the drain: flows the router sent before it converged
                // are still served; then they go (unless announced again meanwhile).
                removal = thread.schedule(speaker::unhold, drainNanos, TimeUnit.NANOSECONDS);
            }
        } catch (VipException e) {
            log.error("{}", e.getMessage());
        } catch (RuntimeException e) {
            log.error("the bgp driver failed", e);
        }
    }

    private void withdraw() {
        speaker.disable();
        announced = false;
        log.info("node {}: bgp VIPs withdrawn", node);
    }

    /** BIRD restarted with its configuration may announce while we withdraw, or the reverse. */
    private void verify() {
        if (stopping) {
            return;
        }
        try {
            boolean up = speaker.enabled();
            if (up != announced) {
                log.warn(
                        "node {}: BIRD's protocol is {} while Tandem {} the bgp VIPs (BIRD restarted?): setting it again",
                        node,
                        up ? "up" : "down",
                        announced ? "announces" : "withdrew");
                if (announced) {
                    speaker.enable();
                } else {
                    speaker.disable();
                }
            }
        } catch (VipException e) {
            log.error("{}", e.getMessage());
        }
    }

    /**
     * A graceful stop, on the stopping thread: withdraws, then waits for the drain while the node
     * still serves what the router sent before it converged. Blocks for the drain at most and a
     * few seconds more.
     */
    void withdrawForStop() {
        boolean wasAnnounced;
        try {
            wasAnnounced = thread.submit(() -> {
                        stopping = true;
                        boolean was = announced;
                        if (was) {
                            withdraw();
                        }
                        return was;
                    })
                    .get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            log.error("withdrawing the bgp VIPs failed: {}", ClusterNode.describe(e));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (wasAnnounced && drainNanos > 0) {
            log.info(
                    "node {}: waiting {}ms for the router to converge",
                    node,
                    TimeUnit.NANOSECONDS.toMillis(drainNanos));
            try {
                TimeUnit.NANOSECONDS.sleep(drainNanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** At the very end of a stop, once the bgp thread is shut down: withdraws and removes the addresses. */
    void close() {
        try {
            if (announced) {
                withdraw();
            }
        } catch (VipException e) {
            log.error("{}", e.getMessage());
        }
        speaker.unhold();
    }

    /** For the status: the VIPs' owner is this node while announced. */
    List<ClusterStatus.Vip> status(List<ClusterStatus.Vip> vips) {
        String owner = announced ? node : null;
        return vips.stream()
                .map(v -> v.driver().equals(VipConfig.Driver.BGP.configName())
                        ? new ClusterStatus.Vip(v.address(), v.driver(), owner, null)
                        : v)
                .toList();
    }
}
