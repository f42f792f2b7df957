package org.tandemlb.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.View;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.cluster.election.Election;
import org.tandemlb.cluster.election.MemberState;
import org.tandemlb.cluster.vip.VipDriver;
import org.tandemlb.core.LoadBalancer;

/**
 * The actor of a {@link ClusterNode}: the election (docs/cluster.md) on every change, the claims
 * and releases it starts, the adverts it sends (through its {@link Outbox}), and the status it
 * publishes (on its {@link StatusBoard}). It decides with what it knows of the members
 * ({@link PeerTable}), this node's fitness ({@link Readiness}), when it may claim
 * ({@link ClaimRetry}) and how long a holder that lost keeps the VIPs ({@link Handover}).
 * Everything here runs on the node's {@code tandem-cluster} thread, except the JGroups callbacks
 * ({@link Inbox}), which only decode and hand over, and {@link #status()} and {@link #failovers()},
 * which read what the thread published. The node owns the threads and the life cycle;
 * {@link VipOwnership} does the VIP work on the VIP thread.
 */
final class Membership {
    private static final Logger log = LoggerFactory.getLogger(Membership.class);

    private final ClusterConfig config;
    private final ClusterStack.Profile profile;
    private final VipOwnership vips;
    private final boolean exclusive;
    private final ServerChanges changes;
    private final PauseDetector pause;
    private final LongSupplier ticker;
    private final long staleNanos;
    private final ScheduledExecutorService actor;
    private final ScheduledExecutorService vipThread;
    private final ScheduledExecutorService io;
    /** Adverts to members outside the view: a connect to a host that is gone must not delay the rest. */
    private final ScheduledExecutorService farIo;

    private final AtomicLong failovers = new AtomicLong();
    private final Inbox inbox;
    private final Outbox outbox;
    private final StatusBoard board;

    // Confined to the actor thread.
    private final PeerTable peers;
    private boolean holding;
    private long epoch;
    private long maxEpoch;
    private boolean claimInFlight;
    private boolean releaseInFlight;
    private boolean stopping;
    private final ClaimRetry retry = new ClaimRetry();
    private final Readiness readiness;
    private final Handover handover = new Handover();
    private final AddressConflicts conflicts;
    private CompletableFuture<Void> handedOver;
    private final SoloWatch solo;

    Membership(
            ClusterConfig config,
            LoadBalancer lb,
            List<VipDriver> drivers,
            ServerChanges changes,
            LongSupplier ticker,
            List<Consumer<ClusterStatus>> listeners,
            ScheduledExecutorService actor,
            ScheduledExecutorService vipThread,
            ScheduledExecutorService io,
            ScheduledExecutorService farIo) {
        this.config = config;
        this.profile = config.profile();
        this.changes = changes;
        this.ticker = ticker;
        this.staleNanos = profile.staleAfter().toNanos();
        this.peers = new PeerTable(staleNanos);
        this.conflicts = new AddressConflicts(config, peers);
        this.board = new StatusBoard(config, listeners);
        this.actor = actor;
        this.vipThread = vipThread;
        this.io = io;
        this.farIo = farIo;
        this.inbox = new Inbox(actor, ticker, this::onView, this::onAdvert, changes);
        this.outbox = new Outbox(io, farIo);
        this.pause = new PauseDetector(ticker, profile.pauseThreshold().toNanos(), this::onPause);
        this.vips = new VipOwnership(drivers, vipThread, pause, ticker, new VipOwnership.Listener() {
            @Override
            public void claimed(boolean ok, long epoch) {
                post(() -> claimDone(ok, epoch));
            }

            @Override
            public void released() {
                post(Membership.this::releaseDone);
            }

            @Override
            public void duplicate(VipConfig vip, String mac) {
                post(() -> onDuplicate(vip, mac));
            }
        });
        this.exclusive = vips.exclusive();
        this.readiness = new Readiness(config, lb, staleNanos, ticker);
        this.solo = SoloWatch.of(config, ticker);
    }

    VipOwnership vips() {
        return vips;
    }

    PauseDetector pause() {
        return pause;
    }

    /** The cluster as this node sees it (published by the actor). */
    ClusterStatus status() {
        return board.status();
    }

    long failovers() {
        return failovers.get();
    }

    /** What the node receives: the channel's receiver and the stack's notice of foreign keys. */
    Inbox inbox() {
        return inbox;
    }

    /**
     * The channel, before it connects. A node that starts claims nothing for one merge round:
     * time for MERGE3 to find another sub-cluster (two nodes started at once) and to hear traffic
     * under another key (this node has the wrong secret). keepalived's backup waits 3 advert
     * intervals so.
     */
    void starting(JChannel ch) {
        outbox.channel(ch);
        long settle = profile.mergeMax().plus(profile.advertInterval()).toNanos();
        actor.execute(() -> {
            retry.settleUntil(ticker.getAsLong() + settle);
            later(settle);
        });
    }

    /** Starts the periodic work: adverts and elections, the VIP timers, the tiebreaker's probes. */
    void scheduleTimers() {
        long tick = profile.advertInterval().toMillis();
        actor.scheduleAtFixedRate(this::tick, 0, tick, TimeUnit.MILLISECONDS);
        vips.schedule(profile);
        readiness.scheduleProbes(io, tick, () -> actor.execute(this::tick));
    }

    /**
     * A graceful stop: says so to the peers and stands aside; {@code done} completes once the VIPs
     * are released (a peer took them over, or nobody could).
     */
    void stop(CompletableFuture<Void> done) {
        actor.execute(() -> {
            stopping = true;
            handedOver = done;
            log.info("stopping: handing the VIPs over to a peer");
            sendAdvert();
            evaluate();
            if (peers.view() == null) {
                done.complete(null); // never in a view (the join failed): nothing to hand over
            }
        });
    }

    /**
     * On the actor thread: what the {@code bgp} VIPs ({@link Anycast}) decide on. The members are
     * those the election counts (in the view, or heard directly within 1.5 s), itself included;
     * none before the first view.
     */
    Anycast.Fitness fitness() {
        long now = ticker.getAsLong();
        int members = peers.view() == null ? 0 : 1 + peers.counted(now).size();
        return new Anycast.Fitness(self(now).ready(), readiness.serversUp(), members);
    }

    /** Sends runtime changes of servers made here to every member, in order. */
    void sendChanges(List<ServerChange> made) {
        outbox.send(null, Messages.encode(new Messages.Changes(false, made)), false);
    }

    // ------------------------------------------------------------------ the actor

    private void onView(View v) {
        long now = ticker.getAsLong();
        boolean first = peers.view() == null;
        boolean newcomers = peers.viewChanged(v, outbox.channel().address(), now);
        boolean joined = first || newcomers;
        log.info("cluster view {}: {}", v.getViewId().getId(), v.getMembers());
        solo.viewChanged(v.size());
        sendAdvert();
        if (joined && v.size() > 1) {
            // Newcomers (or the other side of a healed partition) get the whole runtime state;
            // every member sends its own, and last-writer-wins merging makes duplicates harmless.
            List<ServerChange> all = changes.all();
            if (!all.isEmpty()) {
                outbox.send(null, Messages.encode(new Messages.Changes(true, all)), false);
            }
        }
        evaluate();
        if (holding && !first && newcomers) {
            // A returning node that held the VIPs while cut off announced them until it heard us:
            // take the neighbours back (a no-op with the bind driver; announce() checks we hold).
            vips.reannounce();
        }
    }

    private void onAdvert(Address src, Messages.Advert a) {
        if (!pause.check()) {
            return;
        }
        long now = ticker.getAsLong();
        String name = a.state().name();
        if (name.equals(config.node())) {
            log.error("another node calls itself {} ({}): node names must be unique in a cluster", name, src);
            return;
        }
        peers.heard(src, a, now).ifPresent(vips::memberMacs);
        maxEpoch = Math.max(maxEpoch, Math.max(a.maxEpoch(), a.state().epoch()));
        retry.heard(now);
        evaluate();
    }

    private void tick() {
        if (!pause.check()) {
            return;
        }
        long now = ticker.getAsLong();
        readiness.refresh();
        peers.expire(now);
        sendAdvert();
        evaluate();
        if (solo.due()) {
            solo.report(farIo, config.node());
        }
    }

    private MemberState self(long now) {
        boolean ready = !stopping && !pause.paused() && readiness.ok(now);
        return new MemberState(
                config.node(), config.priority(), ready, readiness.serversUp(), holding, holding ? epoch : 0);
    }

    /** Decides whether this node should hold the VIPs, and starts a claim or a release. */
    private void evaluate() {
        if (actorStopped() || peers.view() == null) {
            return; // not joined yet: no election before we know who is there
        }
        long now = ticker.getAsLong();
        MemberState me = self(now);
        List<MemberState> members = new ArrayList<>();
        members.add(me);
        boolean otherHolding = false;
        for (MemberState p : peers.counted(now)) {
            members.add(p);
            otherHolding |= p.holding();
        }
        Optional<MemberState> winner = Election.winner(members, config.preempt());
        boolean elected = winner.isPresent() && winner.get().name().equals(config.node());
        vips.announcing(holding && elected && !stopping);
        boolean othersStartHolding = handover.otherHolding(otherHolding, now);
        if (holding && elected && othersStartHolding) {
            // Another member holds the VIPs too (a healed partition, a resumed node): it releases
            // on hearing us; meanwhile pull the neighbours back at once.
            log.info("another member also holds the VIPs: announcing them again");
            vipThread.execute(vips::announce);
        }
        boolean want;
        if (holding) {
            if (elected) {
                want = true;
                handover.elected();
            } else {
                // A planned handover (stopping, or a peer now ranks first) is make-before-break
                // where the drivers allow it: the peer claims and announces, then we release.
                // Anything else (tiebreaker lost, a pause) releases at once.
                boolean planned = !exclusive && winner.isPresent() && (stopping || me.ready());
                long keep = handover.keepFor(planned, otherHolding, now);
                want = keep >= 0;
                if (want) {
                    later(keep);
                }
            }
        } else {
            handover.elected();
            want = elected && !blocked(now) && retry.due(now);
        }
        if (want && !holding && !claimInFlight && !releaseInFlight) {
            claimInFlight = true;
            long newEpoch = maxEpoch + 1;
            log.info("node {} is elected active ({}): claiming the VIPs", config.node(), describe(members));
            vipThread.execute(() -> vips.claim(newEpoch));
        } else if (!want && holding && !releaseInFlight && !claimInFlight) {
            releaseInFlight = true;
            log.info(
                    "node {} releases the VIPs ({})",
                    config.node(),
                    stopping
                            ? "stopping"
                            : winner.map(w -> w.name() + " is elected").orElse("no member is eligible"));
            vipThread.execute(vips::release);
        }
        if (stopping && !holding && !claimInFlight && !releaseInFlight && handedOver != null) {
            handedOver.complete(null);
        }
        board.publish(holding, members);
    }

    private boolean actorStopped() {
        return actor.isShutdown() || vipThread.isShutdown();
    }

    /** Whether a claim must wait: for news from members just seen, after a pause, or a foreign key. */
    private boolean blocked(long now) {
        if (peers.awaitingNews(outbox.channel().address(), now)) {
            return true;
        }
        if (inbox.foreignKeyRecent(now) && peers.neverHeard()) {
            // Traffic under another key, and never a member under ours: we may be the node with
            // the wrong secret. Do not take the VIPs from a cluster we cannot read.
            return true;
        }
        return false;
    }

    private static String describe(List<MemberState> members) {
        List<String> parts = new ArrayList<>();
        for (MemberState m : members) {
            parts.add(m.name() + " priority " + m.priority() + (m.ready() ? "" : " not ready")
                    + (m.serversUp() ? "" : " no server up") + (m.holding() ? " holding" : ""));
        }
        return String.join(", ", parts);
    }

    private void later(long nanos) {
        actor.schedule(this::evaluate, Math.max(1, nanos), TimeUnit.NANOSECONDS);
    }

    // ------------------------------------------------------------------ what the VIP thread and the pause detector
    // report

    private void onDuplicate(VipConfig vip, String mac) {
        long now = ticker.getAsLong();
        if (conflicts.outranked(vip, mac, holding, epoch, now)) {
            readiness.standAsideUntil(now + 2 * staleNanos);
            evaluate();
        }
    }

    /** On the thread that noticed the pause, before it does anything else. */
    private void onPause() {
        log.warn(
                "this process did not run for more than {}ms (a pause: GC, frozen VM, SIGSTOP): releasing the VIPs "
                        + "before anything else",
                profile.pauseThreshold().toMillis());
        vips.releaseIfHeld();
        post(() -> {
            long now = ticker.getAsLong();
            if (holding) {
                holding = false;
                epoch = 0;
            }
            // What we knew is stale; wait for fresh adverts (or a new view) before standing again.
            peers.stale(now);
            readiness.standAsideUntil(now + staleNanos);
            pause.resume();
            sendAdvert();
            evaluate();
        });
    }

    private void claimDone(boolean ok, long newEpoch) {
        claimInFlight = false;
        long now = ticker.getAsLong();
        if (ok) {
            boolean takeover = newEpoch > 1;
            holding = true;
            epoch = newEpoch;
            maxEpoch = Math.max(maxEpoch, newEpoch);
            retry.succeeded();
            if (takeover) {
                failovers.incrementAndGet();
            }
            log.info("node {} is ACTIVE: holds {}", config.node(), vipNames());
        } else {
            if (retry.failed(now)) {
                log.error(
                        "node {} could not take the VIPs {} times: standing aside for {}s",
                        config.node(),
                        ClaimRetry.MAX_FAILURES,
                        TimeUnit.NANOSECONDS.toSeconds(ClaimRetry.BACKOFF));
                readiness.standAsideUntil(now + ClaimRetry.BACKOFF);
            }
            later(ClaimRetry.RETRY);
        }
        sendAdvert();
        evaluate();
    }

    private void releaseDone() {
        releaseInFlight = false;
        holding = false;
        epoch = 0;
        log.info("node {} is STANDBY", config.node());
        sendAdvert();
        evaluate();
    }

    private List<String> vipNames() {
        return config.vips().stream().map(VipConfig::cidr).toList();
    }

    private void post(Runnable r) {
        try {
            actor.execute(r);
        } catch (RejectedExecutionException e) {
            // stopping
        }
    }

    // ------------------------------------------------------------------ sending

    private void sendAdvert() {
        if (outbox.channel() == null) {
            return;
        }
        long now = ticker.getAsLong();
        byte[] data = Messages.encode(new Messages.Advert(self(now), maxEpoch, stopping, vips.hardwareAddresses()));
        outbox.send(null, data, true);
        // Members outside our view (the other side of a partition, a node that was frozen) hear
        // from us directly, so that neither side acts on a stale picture while JGroups merges.
        for (Address a : peers.departed()) {
            outbox.send(a, data, true);
        }
    }
}
