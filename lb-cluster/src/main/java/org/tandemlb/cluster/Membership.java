package org.tandemlb.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
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
 * The actor of a {@link ClusterNode}: the election of each VIP group (docs/cluster.md) on every
 * change, the claims and releases it starts for each group ({@link GroupHold}, {@link GroupClaims}), the adverts it
 * sends (through its {@link Outbox}), and the status it publishes (on its {@link StatusBoard}). It
 * decides with what it knows of the members ({@link PeerTable}), this node's fitness
 * ({@link Readiness}), when it may claim ({@link ClaimRetry}) and how long a holder that lost keeps
 * a group ({@link Handover}). Everything here runs on the node's {@code tandem-cluster} thread,
 * except the JGroups callbacks ({@link Inbox}), which only decode and hand over, and
 * {@link #status()}, which reads what the thread published. The node owns the threads and the life
 * cycle; {@link VipOwnership} does the VIP work on the VIP thread, one per group.
 */
final class Membership {
    private static final Logger log = LoggerFactory.getLogger(Membership.class);

    /** Replaced by a reload ({@link #reconfigure}); confined to the actor thread. */
    private ClusterConfig config;
    /** Every group, in name order. */
    private final GroupHolds groups;

    private final ServerChanges changes;
    private final PauseDetector pause;
    private final LongSupplier ticker;
    private long staleNanos;
    private long settleNanos;
    private final ScheduledExecutorService actor;
    private final ScheduledExecutorService vipThread;
    private final ScheduledExecutorService io;
    /** Adverts to members outside the view: a connect to a host that is gone must not delay the rest. */
    private final ScheduledExecutorService farIo;

    private final Inbox inbox;
    private final Outbox outbox;
    private final StatusBoard board;

    // Confined to the actor thread.
    private final PeerTable peers;
    private boolean stopping;
    /** Since when this node has been ready with a server up (ticker), or -1: it is settled after preempt_delay. */
    private long fitSince = -1;

    private final Readiness readiness;
    private final GroupClaims claims;
    private AddressConflicts conflicts;
    private CompletableFuture<Void> handedOver;
    private SoloWatch solo;
    private ScheduledFuture<?> ticking;
    /** Run on every tick after the election (the {@code bgp} VIPs' own decision). */
    private Runnable onTick = () -> {};

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
        ClusterStack.Profile profile = config.profile();
        this.changes = changes;
        this.ticker = ticker;
        this.staleNanos = profile.staleAfter().toNanos();
        this.settleNanos = config.preemptDelay().toNanos();
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
        this.groups = new GroupHolds(config, drivers, this::newGroup);
        this.readiness = new Readiness(config, lb, staleNanos, ticker);
        this.claims = new GroupClaims(config.node(), vipThread, readiness, this::later);
        this.solo = SoloWatch.of(config, ticker);
    }

    PauseDetector pause() {
        return pause;
    }

    /** A group and its VIP work, whose reports reach the actor while the group is configured. */
    private GroupHold newGroup(String name, List<VipDriver> own) {
        Reports reports = new Reports();
        GroupHold g = new GroupHold(name, new VipOwnership(own, vipThread, pause, ticker, reports));
        reports.group = g;
        return g;
    }

    /** What a group's VIP work reports, handed to the actor; ignored once a reload removed the group. */
    private final class Reports implements VipOwnership.Listener {
        private GroupHold group;

        @Override
        public void claimed(boolean ok, long epoch) {
            post(() -> {
                if (groups.current(group)) {
                    claimDone(group, ok, epoch);
                }
            });
        }

        @Override
        public void released() {
            post(() -> {
                if (groups.current(group)) {
                    releaseDone(group);
                }
            });
        }

        @Override
        public void duplicate(VipConfig vip, String mac) {
            post(() -> {
                if (groups.current(group)) {
                    onDuplicate(group, vip, mac);
                }
            });
        }
    }

    /** Run on every tick, on the actor, after the election (set before {@link #scheduleTimers}). */
    void onTick(Runnable r) {
        onTick = r;
    }

    /** The VIP groups, as this node holds them. */
    GroupHolds groups() {
        return groups;
    }

    /** The cluster as this node sees it (published by the actor). */
    ClusterStatus status() {
        return board.status();
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
        ClusterStack.Profile profile = config.profile();
        long settle = profile.mergeMax().plus(profile.advertInterval()).toNanos();
        actor.execute(() -> {
            groups.settleUntil(ticker.getAsLong() + settle);
            later(settle);
        });
    }

    /** Starts the periodic work: adverts and elections, the VIP timers, the tiebreaker's probes. */
    void scheduleTimers() {
        long tick = config.profile().advertInterval().toMillis();
        ticking = actor.scheduleAtFixedRate(this::tick, 0, tick, TimeUnit.MILLISECONDS);
        groups.schedule(config.profile());
        readiness.scheduleProbes(io, tick, () -> actor.execute(this::tick));
    }

    /**
     * A reload, on the actor (docs/cluster.md, "Reloading the cluster section"): the next adverts
     * and elections use {@code next}'s priority, preempt, preempt_delay, spread and tiebreaker
     * ({@code probed}: its first answer, or null without one); its timings drive the ticks and
     * the staleness of adverts; groups and VIPs come and go as {@link GroupHolds#reconfigure}
     * says. {@code fresh}: the prepared drivers of the VIPs new or changed in {@code next}.
     */
    void reconfigure(ClusterConfig next, Map<VipConfig, VipDriver> fresh, Tiebreaker probed) {
        ClusterConfig old = config;
        config = next;
        settleNanos = next.preemptDelay().toNanos();
        ClusterStack.Profile profile = next.profile();
        if (!profile.equals(old.profile())) {
            staleNanos = profile.staleAfter().toNanos();
            peers.staleNanos(staleNanos);
            pause.threshold(profile.pauseThreshold().toNanos());
            if (ticking != null) {
                ticking.cancel(false);
                long tick = profile.advertInterval().toMillis();
                ticking = actor.scheduleAtFixedRate(this::tick, tick, tick, TimeUnit.MILLISECONDS);
            }
        }
        conflicts = new AddressConflicts(next, peers);
        readiness.tiebreaker(probed);
        if (!next.peers().equals(old.peers())) {
            solo = SoloWatch.of(next, ticker);
            if (peers.view() != null) {
                solo.viewChanged(peers.view().size());
            }
        }
        groups.reconfigure(next, fresh, vipThread, profile, ticker.getAsLong());
        board.reconfigured(next);
        sendAdvert();
        evaluate();
        later(profile.advertInterval().toNanos()); // a group added may be claimed from then on
    }

    /**
     * A graceful stop: says so to the peers and stands aside; {@code done} completes once every
     * group is released (a peer took it over, or nobody could).
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
        if (!first && newcomers) {
            for (GroupHold g : groups.all()) {
                if (g.holding) {
                    // A returning node that held the group while cut off announced it until it
                    // heard us: take the neighbours back (a no-op with the bind driver).
                    g.vips.reannounce();
                }
            }
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
        peers.heard(src, a, now).ifPresent(groups::memberMacs);
        long heardMax = a.state().holds().values().stream()
                .mapToLong(Long::longValue)
                .max()
                .orElse(0);
        claims.heard(Math.max(a.maxEpoch(), heardMax));
        groups.heard(a.state(), now);
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
        onTick.run();
        if (solo.due()) {
            solo.report(farIo, config.node());
        }
    }

    private MemberState self(long now) {
        boolean ready = !stopping && !pause.paused() && readiness.ok(now);
        boolean fit = ready && readiness.serversUp();
        if (!fit) {
            fitSince = -1;
        } else if (fitSince < 0) {
            fitSince = now;
        }
        boolean settled = fit && now - fitSince >= settleNanos;
        return new MemberState(config.node(), config.priority(), ready, readiness.serversUp(), settled, groups.held());
    }

    /** Runs the election of every group, and starts the claims and releases it calls for. */
    private void evaluate() {
        if (actorStopped() || peers.view() == null) {
            return; // not joined yet: no election before we know who is there
        }
        long now = ticker.getAsLong();
        MemberState me = self(now);
        List<MemberState> members = new ArrayList<>();
        members.add(me);
        members.addAll(peers.counted(now));
        Map<String, Optional<MemberState>> owners =
                Election.assign(config.groups(), members, config.spread(), config.preempt());
        boolean blocked = blocked(now);
        // Settling needs no timer of its own: the tick runs this every advert interval.
        for (GroupHold g : groups.all()) {
            claims.decide(g, owners.get(g.name), me, members, blocked, stopping, now);
        }
        if (stopping && handedOver != null && groups.idle()) {
            handedOver.complete(null);
        }
        board.publish(me, members, owners, Election.eligible(members));
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

    private void later(long nanos) {
        actor.schedule(this::evaluate, Math.max(1, nanos), TimeUnit.NANOSECONDS);
    }

    // ------------------------------------------------------------------ what the VIP thread and the pause detector
    // report

    private void onDuplicate(GroupHold g, VipConfig vip, String mac) {
        long now = ticker.getAsLong();
        if (conflicts.outranked(vip, mac, g.holding, g.epoch, now)) {
            g.standAsideUntil = now + 2 * staleNanos;
            evaluate();
        }
    }

    /** On the thread that noticed the pause, before it does anything else. */
    private void onPause() {
        log.warn(
                "this process did not run for more than {}ms (a pause: GC, frozen VM, SIGSTOP): releasing the VIPs "
                        + "before anything else",
                TimeUnit.NANOSECONDS.toMillis(pause.threshold()));
        groups.releaseAllNow();
        post(() -> {
            long now = ticker.getAsLong();
            groups.all().forEach(GroupHold::dropped);
            // What we knew is stale; wait for fresh adverts (or a new view) before standing again.
            peers.stale(now);
            readiness.standAsideUntil(now + staleNanos);
            pause.resume();
            sendAdvert();
            evaluate();
        });
    }

    private void claimDone(GroupHold g, boolean ok, long newEpoch) {
        claims.claimDone(g, ok, newEpoch, ticker.getAsLong());
        sendAdvert();
        evaluate();
    }

    private void releaseDone(GroupHold g) {
        claims.releaseDone(g, groups.held().isEmpty());
        sendAdvert();
        evaluate();
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
        byte[] data = Messages.encode(
                new Messages.Advert(self(now), claims.maxEpoch(), stopping, groups.hardwareAddresses()));
        outbox.send(null, data, true);
        // Members outside our view (the other side of a partition, a node that was frozen) hear
        // from us directly, so that neither side acts on a stale picture while JGroups merges.
        for (Address a : peers.departed()) {
            outbox.send(a, data, true);
        }
    }
}
