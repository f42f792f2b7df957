package org.tandemlb.cluster;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.cluster.election.Election;
import org.tandemlb.cluster.election.MemberState;
import org.tandemlb.cluster.vip.VipDriver;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.backend.AdminState;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.HostPort;

/**
 * The actor of a {@link ClusterNode}: what the node knows of the members (views, adverts), the
 * election (docs/cluster.md) and the claims and releases it starts, the adverts it sends (through
 * its {@link Outbox}), and the status it publishes (on its {@link StatusBoard}). Everything here runs on the node's {@code tandem-cluster} thread, except the
 * JGroups callbacks, which only decode and hand over, and {@link #status()} and
 * {@link #failovers()}, which read what the thread published. The node owns the threads and the
 * life cycle; {@link VipOwnership} does the VIP work on the VIP thread.
 */
final class Membership {
    private static final Logger log = LoggerFactory.getLogger(Membership.class);
    /** Consecutive failed claims before this node stands aside for {@link #CLAIM_BACKOFF}. */
    private static final int MAX_CLAIM_FAILURES = 10;

    private static final long CLAIM_RETRY = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long CLAIM_BACKOFF = TimeUnit.SECONDS.toNanos(5);
    /** A planned handover waits at most this long for the peer to claim. */
    static final long HANDOVER_LIMIT = TimeUnit.SECONDS.toNanos(3);
    /** Make-before-break: both hold for this long, so gratuitous ARP reaches clients first. */
    private static final long HANDOVER_OVERLAP = TimeUnit.MILLISECONDS.toNanos(250);

    private static final long DEPARTED_KEEP = TimeUnit.SECONDS.toNanos(60);
    private static final long FOREIGN_KEY_WINDOW = TimeUnit.SECONDS.toNanos(10);
    /** A node alone while a peer is reachable says so this often. */
    private static final long SOLO_LOG_EVERY = TimeUnit.MINUTES.toNanos(1);

    private final ClusterConfig config;
    private final ClusterStack.Profile profile;
    private final LoadBalancer lb;
    private final VipOwnership vips;
    private final boolean exclusive;
    private final ServerChanges changes;
    private final PauseDetector pause;
    private final Tiebreaker tiebreaker;
    private final LongSupplier ticker;
    private final long staleNanos;
    private final ScheduledExecutorService actor;
    private final ScheduledExecutorService vipThread;
    private final ScheduledExecutorService io;
    /** Adverts to members outside the view: a connect to a host that is gone must not delay the rest. */
    private final ScheduledExecutorService farIo;

    private final AtomicLong failovers = new AtomicLong();
    private final AtomicLong foreignKeyAt = new AtomicLong(Long.MIN_VALUE);
    private final Outbox outbox;
    private final StatusBoard board;

    // Confined to the actor thread.
    private View view;
    private long viewAt;
    /** Members new in the current view: what they said before it may be out of date. */
    private Set<Address> newcomers = Set.of();

    private final Map<String, Peer> peers = new HashMap<>();
    private final Map<String, Peer> history = new HashMap<>();
    private final Map<Address, Long> departed = new HashMap<>();
    private boolean holding;
    private long epoch;
    private long maxEpoch;
    private boolean claimInFlight;
    private boolean releaseInFlight;
    private boolean stopping;
    private long notReadyUntil;
    private int claimFailures;
    private long claimRetryAt;
    private boolean serversUp = true;
    private boolean tiebreakerOk;
    private long lostElectionAt = -1;
    private long otherHoldingSince = -1;
    private long lastForeignLog = Long.MIN_VALUE;
    private final Map<String, Long> conflictLogged = new HashMap<>();
    private CompletableFuture<Void> handedOver;
    private final SoloWatch solo;

    /** What this node knows of another member. */
    private static final class Peer {
        MemberState state;
        Address address;
        long heardAt;
        boolean inView;
        List<String> macs = List.of();
    }

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
        this.lb = lb;
        this.changes = changes;
        this.ticker = ticker;
        this.staleNanos = profile.staleAfter().toNanos();
        this.board = new StatusBoard(config, listeners);
        this.actor = actor;
        this.vipThread = vipThread;
        this.io = io;
        this.farIo = farIo;
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
        this.tiebreaker =
                config.tiebreaker() == null ? null : new Tiebreaker(config.tiebreaker(), 300, staleNanos, ticker);
        this.tiebreakerOk = tiebreaker == null;
        // Alone for five merge intervals (10 s): MERGE3 hears the others within a max interval,
        // checks every two, and a merge may take its merge timeout (2 s) and a retry.
        this.solo = new SoloWatch(
                SoloWatch.others(config), profile.mergeMax().multipliedBy(5).toNanos(), SOLO_LOG_EVERY, 300, ticker);
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

    /** What the channel delivers: messages and views, handed to the actor. */
    Receiver receiver() {
        return new Receiver() {
            @Override
            public void receive(Message msg) {
                onMessage(msg);
            }

            @Override
            public void viewAccepted(View v) {
                actor.execute(() -> onView(v));
            }
        };
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
            claimRetryAt = ticker.getAsLong() + settle;
            later(settle);
        });
    }

    /** Starts the periodic work: adverts and elections, the VIP timers, the tiebreaker's probes. */
    void scheduleTimers() {
        long tick = profile.advertInterval().toMillis();
        actor.scheduleAtFixedRate(this::tick, 0, tick, TimeUnit.MILLISECONDS);
        vips.schedule(profile);
        if (tiebreaker != null) {
            io.scheduleWithFixedDelay(
                    () -> {
                        tiebreaker.probe();
                        actor.execute(this::tick);
                    },
                    0,
                    tick,
                    TimeUnit.MILLISECONDS);
        }
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
            if (view == null) {
                done.complete(null); // never in a view (the join failed): nothing to hand over
            }
        });
    }

    /** Sends runtime changes of servers made here to every member, in order. */
    void sendChanges(List<ServerChange> made) {
        outbox.send(null, Messages.encode(new Messages.Changes(false, made)), false);
    }

    // ------------------------------------------------------------------ JGroups callbacks (JGroups threads)

    private void onMessage(Message msg) {
        Object decoded;
        try {
            decoded = Messages.decode(msg.getArray(), msg.getOffset(), msg.getLength());
        } catch (IOException | RuntimeException e) {
            log.warn("ignored a cluster message from {}: {}", msg.getSrc(), ClusterNode.describe(e));
            return;
        }
        Address src = msg.getSrc();
        try {
            actor.execute(() -> {
                if (decoded instanceof Messages.Advert a) {
                    onAdvert(src, a);
                } else if (decoded instanceof Messages.Changes c) {
                    changes.merge(c.changes());
                }
            });
        } catch (RejectedExecutionException e) {
            // stopping
        }
    }

    /** Told by the stack of traffic under another key, on a JGroups thread. */
    void onForeignKey(Address src) {
        long now = ticker.getAsLong();
        foreignKeyAt.set(now);
        try {
            actor.execute(() -> {
                if (lastForeignLog == Long.MIN_VALUE || now - lastForeignLog > TimeUnit.MINUTES.toNanos(1)) {
                    lastForeignLog = now;
                    log.warn(
                            "cluster traffic from {} is encrypted with another key: a node with another cluster "
                                    + "secret or cluster name; it is ignored",
                            src);
                }
            });
        } catch (RejectedExecutionException e) {
            // stopping
        }
    }

    // ------------------------------------------------------------------ the actor

    private void onView(View v) {
        long now = ticker.getAsLong();
        View previous = view;
        view = v;
        viewAt = now;
        Set<Address> members = new HashSet<>(v.getMembers());
        peers.values().removeIf(p -> {
            if (!members.contains(p.address)) {
                departed.put(p.address, now);
                return true;
            }
            return false;
        });
        members.forEach(departed::remove);
        peers.values().forEach(p -> p.inView = true);
        newcomers = v.getMembers().stream()
                .filter(a -> !a.equals(outbox.channel().address()) && (previous == null || !previous.containsMember(a)))
                .collect(Collectors.toUnmodifiableSet());
        boolean joined = previous == null || !newcomers.isEmpty();
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
        if (holding && previous != null && !newcomers.isEmpty()) {
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
        Peer p = peers.computeIfAbsent(name, n -> new Peer());
        p.state = a.state();
        p.address = src;
        p.heardAt = now;
        p.inView = view != null && view.containsMember(src);
        p.macs = a.macs();
        if (!p.inView) {
            departed.putIfAbsent(src, now);
        }
        Peer h = history.computeIfAbsent(name, n -> new Peer());
        h.state = a.state();
        if (!h.macs.equals(a.macs())) {
            Set<String> macs = new HashSet<>();
            history.values().forEach(x -> macs.addAll(x.macs));
            macs.addAll(a.macs());
            vips.memberMacs(macs);
        }
        h.macs = a.macs();
        h.address = src;
        maxEpoch = Math.max(maxEpoch, Math.max(a.maxEpoch(), a.state().epoch()));
        if (claimRetryAt - now > 0 && claimFailures == 0) {
            claimRetryAt = now; // the start-up settle is over: we hear the cluster
        }
        evaluate();
    }

    private void tick() {
        if (!pause.check()) {
            return;
        }
        long now = ticker.getAsLong();
        serversUp = computeServersUp();
        tiebreakerOk = tiebreaker == null || tiebreaker.ok();
        departed.values().removeIf(t -> now - t > DEPARTED_KEEP);
        sendAdvert();
        evaluate();
        if (solo.due()) {
            checkAlone();
        }
    }

    /** Alone past a merge interval: says so loudly when a peer is reachable all the same. */
    private void checkAlone() {
        long alone = solo.aloneSeconds();
        try {
            // On the thread of the adverts to members outside the view, which already tolerates a
            // connect that waits: the cluster's own sends are not held up by it.
            farIo.execute(() -> {
                List<HostPort> up = solo.reachable();
                if (!up.isEmpty()) {
                    log.warn(
                            "node {} has run alone for {} s although peer(s) {} accept connections on the cluster port: "
                                    + "not one cluster (check that cluster.name and cluster.secret are the same on every node; "
                                    + "tandem_cluster_members is 1)",
                            config.node(),
                            alone,
                            up);
                } else {
                    log.info(
                            "node {} runs alone: no configured peer answers on its cluster port {}",
                            config.node(),
                            SoloWatch.others(config));
                }
            });
        } catch (RejectedExecutionException e) {
            // stopping
        }
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

    private MemberState self(long now) {
        boolean ready = !stopping && !pause.paused() && tiebreakerOk && now - notReadyUntil >= 0;
        return new MemberState(config.node(), config.priority(), ready, serversUp, holding, holding ? epoch : 0);
    }

    private boolean counted(Peer p, long now) {
        return p.state != null && (p.inView || now - p.heardAt <= staleNanos);
    }

    /** Decides whether this node should hold the VIPs, and starts a claim or a release. */
    private void evaluate() {
        if (actorStopped() || view == null) {
            return; // not joined yet: no election before we know who is there
        }
        long now = ticker.getAsLong();
        MemberState me = self(now);
        List<MemberState> members = new ArrayList<>();
        members.add(me);
        boolean otherHolding = false;
        for (Peer p : peers.values()) {
            if (counted(p, now)) {
                members.add(p.state);
                otherHolding |= p.state.holding();
            }
        }
        Optional<MemberState> winner = Election.winner(members, config.preempt());
        boolean elected = winner.isPresent() && winner.get().name().equals(config.node());
        vips.announcing(holding && elected && !stopping);
        if (holding && elected && otherHolding && otherHoldingSince < 0) {
            // Another member holds the VIPs too (a healed partition, a resumed node): it releases
            // on hearing us; meanwhile pull the neighbours back at once.
            log.info("another member also holds the VIPs: announcing them again");
            vipThread.execute(vips::announce);
        }
        otherHoldingSince = otherHolding ? (otherHoldingSince < 0 ? now : otherHoldingSince) : -1;
        boolean want;
        if (holding) {
            if (elected) {
                want = true;
                lostElectionAt = -1;
            } else {
                if (lostElectionAt < 0) {
                    lostElectionAt = now;
                }
                // A planned handover (stopping, or a peer now ranks first) is make-before-break
                // where the drivers allow it: the peer claims and announces, then we release.
                // Anything else (tiebreaker lost, a pause) releases at once.
                boolean planned = !exclusive
                        && winner.isPresent()
                        && (stopping || me.ready())
                        && now - lostElectionAt < HANDOVER_LIMIT;
                if (planned && otherHolding) {
                    want = now - otherHoldingSince < HANDOVER_OVERLAP;
                    if (want) {
                        later(otherHoldingSince + HANDOVER_OVERLAP - now);
                    }
                } else {
                    want = planned;
                    if (planned) {
                        later(lostElectionAt + HANDOVER_LIMIT - now);
                    }
                }
            }
        } else {
            lostElectionAt = -1;
            want = elected && !blocked(now) && now - claimRetryAt >= 0;
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
        if (view != null && now - viewAt < staleNanos) {
            for (Address a : view.getMembers()) {
                // A member whose state we do not know yet, or know only from before this view: a
                // node that joins just after its peer claimed still has the peer's older advert
                // (not holding) and would claim too. Each member advertises on a view change.
                boolean fresh = !newcomers.contains(a);
                if (!a.equals(outbox.channel().address())
                        && peers.values().stream()
                                .noneMatch(p -> a.equals(p.address) && (fresh || p.heardAt - viewAt >= 0))) {
                    return true;
                }
            }
        }
        long foreign = foreignKeyAt.get();
        if (foreign != Long.MIN_VALUE && now - foreign < FOREIGN_KEY_WINDOW && history.isEmpty()) {
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

    // ------------------------------------------------------------------ VIP operations (VIP thread)

    private void onDuplicate(VipConfig vip, String mac) {
        long now = ticker.getAsLong();
        Peer owner = history.values().stream()
                .filter(h -> h.macs.contains(mac))
                .findFirst()
                .orElse(null);
        if (owner == null) {
            Long logged = conflictLogged.get(mac);
            if (logged == null || now - logged > TimeUnit.SECONDS.toNanos(30)) {
                conflictLogged.put(mac, now);
                log.error(
                        "VIP {}: another host ({}) also answers for it: an address conflict outside the cluster",
                        vip.ip(),
                        mac);
            }
            return;
        }
        if (!holding) {
            return;
        }
        // It answers, so it holds the VIP: compare as holders (latest claim, then rank).
        MemberState other =
                new MemberState(owner.state.name(), owner.state.priority(), true, true, true, owner.state.epoch());
        MemberState me = new MemberState(config.node(), config.priority(), true, true, true, epoch);
        if (MemberState.HOLDER.compare(other, me) < 0) {
            log.warn("VIP {}: node {} also answers for it and ranks higher: releasing", vip.ip(), owner.state.name());
            notReadyUntil = now + 2 * staleNanos;
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
            peers.values().forEach(p -> p.heardAt = now - staleNanos - 1);
            notReadyUntil = now + staleNanos;
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
            claimFailures = 0;
            if (takeover) {
                failovers.incrementAndGet();
            }
            log.info("node {} is ACTIVE: holds {}", config.node(), vipNames());
        } else {
            claimFailures++;
            claimRetryAt = now + CLAIM_RETRY;
            if (claimFailures >= MAX_CLAIM_FAILURES) {
                log.error(
                        "node {} could not take the VIPs {} times: standing aside for {}s",
                        config.node(),
                        claimFailures,
                        TimeUnit.NANOSECONDS.toSeconds(CLAIM_BACKOFF));
                claimFailures = 0;
                notReadyUntil = now + CLAIM_BACKOFF;
            }
            later(CLAIM_RETRY);
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
        for (Address a : departed.keySet()) {
            outbox.send(a, data, true);
        }
    }
}
