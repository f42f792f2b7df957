package org.tandemlb.cluster;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.cluster.ClusterStatus.Role;
import org.tandemlb.cluster.election.Election;
import org.tandemlb.cluster.election.MemberState;
import org.tandemlb.cluster.vip.BindVipDriver;
import org.tandemlb.cluster.vip.CommandRunner;
import org.tandemlb.cluster.vip.FrontendGate;
import org.tandemlb.cluster.vip.LinuxVipDriver;
import org.tandemlb.cluster.vip.ScriptVipDriver;
import org.tandemlb.cluster.vip.VipDriver;
import org.tandemlb.cluster.vip.VipException;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.backend.AdminState;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.HostPort;
import org.tandemlb.core.config.LoadBalancerConfig;

/**
 * A Tandem node's membership of its cluster: it joins the other nodes over JGroups, takes part in
 * the election of the active node (SPEC §5), holds the VIPs while active, and replicates runtime
 * changes of servers. Usable as a library with lb-core:
 *
 * <pre>{@code
 * LoadBalancer lb = LoadBalancer.builder(ClusterNode.standbyConfig(lbConfig, clusterConfig)).build();
 * lb.start();
 * ClusterNode node = ClusterNode.builder(clusterConfig, lb, lbConfig).build();
 * node.start();                 // binds; joins in the background (bounded); the elected node takes the VIPs
 * node.joined().join();         // optional: wait until it is in a view
 * node.changeServer("web", "web1", AdminState.DRAIN, null);   // applies on every member
 * node.stop();                  // hands the VIPs over to a peer first
 * lb.stop(Duration.ofSeconds(30));
 * }</pre>
 *
 * <p>Threads: all decisions run on one thread ({@code tandem-cluster}); JGroups' threads only
 * decode messages and hand them over. VIP drivers (processes, binds) run on {@code tandem-vip},
 * one operation at a time; JGroups sends that could block on a connect, and tiebreaker probes, on
 * {@code tandem-cluster-io}; the pause detector's heartbeat on {@code tandem-pause}; the join on
 * {@code tandem-join} ({@link ClusterJoin}). Nothing here runs on the load balancer's event loops.
 *
 * <p>The work is split by job: this class is the life cycle and the election (the actor's
 * state); {@link VipOwnership} claims, renews and releases the VIPs; {@link ServerChanges}
 * replicates runtime changes of servers; {@link ClusterJoin} joins; {@link SoloWatch} notices a
 * node left alone.
 */
public final class ClusterNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);
    /** Consecutive failed claims before this node stands aside for {@link #CLAIM_BACKOFF}. */
    private static final int MAX_CLAIM_FAILURES = 10;
    private static final long CLAIM_RETRY = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long CLAIM_BACKOFF = TimeUnit.SECONDS.toNanos(5);
    /** A planned handover waits at most this long for the peer to claim. */
    private static final long HANDOVER_LIMIT = TimeUnit.SECONDS.toNanos(3);
    /** Make-before-break: both hold for this long, so gratuitous ARP reaches clients first. */
    private static final long HANDOVER_OVERLAP = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long DEPARTED_KEEP = TimeUnit.SECONDS.toNanos(60);
    private static final long FOREIGN_KEY_WINDOW = TimeUnit.SECONDS.toNanos(10);
    /** A node alone while a peer is reachable says so this often. */
    private static final long SOLO_LOG_EVERY = TimeUnit.MINUTES.toNanos(1);
    /** The longest {@link #start} waits for the stack to bind its ports (a local operation). */
    private static final long BIND_WAIT_SECONDS = 30;

    private final ClusterConfig config;
    private final ClusterStack.Profile profile;
    private final LoadBalancer lb;
    private final FrontendGate gate;
    private final VipOwnership vips;
    private final boolean exclusive;
    private final LongSupplier ticker;
    private final long staleNanos;
    private final ServerChanges changes;
    private final ScheduledExecutorService actor = single("tandem-cluster");
    private final ScheduledExecutorService vipThread = single("tandem-vip");
    private final ScheduledExecutorService io = single("tandem-cluster-io");
    /** Adverts to members outside the view: a connect to a host that is gone must not delay the rest. */
    private final ScheduledExecutorService farIo = single("tandem-cluster-far");
    private final ScheduledExecutorService pauseThread = single("tandem-pause");
    private final PauseDetector pause;
    private final Tiebreaker tiebreaker;
    private final List<Consumer<ClusterStatus>> listeners;
    private final AtomicLong failovers = new AtomicLong();
    private final AtomicLong foreignKeyAt = new AtomicLong(Long.MIN_VALUE);
    private volatile JChannel channel;
    private volatile boolean started;
    private volatile boolean closed;
    private volatile ClusterStatus status;

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
    private Role lastRole = Role.JOINING;
    private final SoloWatch solo;

    private final ClusterJoin join;

    /** What this node knows of another member. */
    private static final class Peer {
        MemberState state;
        Address address;
        long heardAt;
        boolean inView;
        List<String> macs = List.of();
    }

    private ClusterNode(Builder b) {
        this.config = b.config;
        this.profile = config.profile();
        this.lb = b.lb;
        this.ticker = b.ticker;
        this.staleNanos = profile.staleAfter().toNanos();
        this.gate = new FrontendGate(lb, b.full, config.vips());
        this.changes = new ServerChanges(lb, config.node());
        this.join = new ClusterJoin(config, ticker);
        List<VipDriver> list = new ArrayList<>();
        for (VipConfig v : config.vips()) {
            list.add(switch (v.driver()) {
                case LINUX -> new LinuxVipDriver(v, b.runner, profile.lease(), profile.dadWait());
                case BIND -> new BindVipDriver(v, gate);
                case SCRIPT -> new ScriptVipDriver(v, config.node(), b.runner);
            });
        }
        this.listeners = List.copyOf(b.listeners);
        this.pause = new PauseDetector(ticker, profile.pauseThreshold().toNanos(), this::onPause);
        this.vips = new VipOwnership(list, vipThread, pause, ticker, new VipOwnership.Listener() {
            @Override
            public void claimed(boolean ok, long epoch) {
                post(() -> claimDone(ok, epoch));
            }

            @Override
            public void released() {
                post(ClusterNode.this::releaseDone);
            }

            @Override
            public void duplicate(VipConfig vip, String mac) {
                post(() -> onDuplicate(vip, mac));
            }
        });
        this.exclusive = vips.exclusive();
        this.tiebreaker = config.tiebreaker() == null ? null
                : new Tiebreaker(config.tiebreaker(), 300, staleNanos, ticker);
        this.tiebreakerOk = tiebreaker == null;
        // Alone for five merge intervals (10 s): MERGE3 hears the others within a max interval,
        // checks every two, and a merge may take its merge timeout (2 s) and a retry.
        this.solo = new SoloWatch(SoloWatch.others(config), profile.mergeMax().multipliedBy(5).toNanos(), SOLO_LOG_EVERY,
                300, ticker);
        this.status = new ClusterStatus(config.node(), Role.JOINING,
                List.of(new ClusterStatus.Member(config.node(), config.priority(), Role.JOINING, false, true)), vipStatus(null));
    }

    /**
     * A builder.
     *
     * @param lb   the load balancer, started with {@link #standbyConfig} of {@code full}
     * @param full the whole configuration, the frontends on {@code bind}-driver VIPs included
     */
    public static Builder builder(ClusterConfig config, LoadBalancer lb, LoadBalancerConfig full) {
        return new Builder(config, lb, full);
    }

    /**
     * The configuration a node starts its load balancer with: {@code full} without the frontends
     * that bind a {@code bind}-driver VIP (the node binds them when it becomes active).
     */
    public static LoadBalancerConfig standbyConfig(LoadBalancerConfig full, ClusterConfig config) {
        return FrontendGate.standby(full, config.vips());
    }

    // ------------------------------------------------------------------ life cycle

    /**
     * Prepares the VIP drivers (removing stale copies), binds the cluster ports and starts joining
     * the cluster; returns once the ports are bound, while the join goes on in the background
     * (role {@link Role#JOINING} until the first view). The join is bounded: a node whose peers do
     * not answer within about 12 s forms a cluster of its own, and JGroups' MERGE3 merges it with
     * its peers once they hear each other. {@link #joined()} completes when the join ends.
     *
     * @throws VipException     when a VIP driver lacks what it needs (one line: what to do)
     * @throws ClusterException when the cluster port cannot be bound
     */
    public synchronized void start() {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        try {
            vips.prepare();
            // The heartbeat of the pause detector runs from before the join: messages handled
            // while joining check it too.
            pause.resume();
            pauseThread.scheduleAtFixedRate(pause::check, 100, 100, TimeUnit.MILLISECONDS);
            JChannel ch = ClusterStack.channel(config, this::onForeignKey, join::bound);
            ch.setReceiver(new Receiver() {
                @Override
                public void receive(Message msg) {
                    onMessage(msg);
                }

                @Override
                public void viewAccepted(View v) {
                    actor.execute(() -> onView(v));
                }
            });
            channel = ch;
            // A node that starts claims nothing for one merge round: time for MERGE3 to find
            // another sub-cluster (two nodes started at once) and to hear traffic under another key
            // (this node has the wrong secret). keepalived's backup waits 3 advert intervals so.
            long settle = profile.mergeMax().plus(profile.advertInterval()).toNanos();
            actor.execute(() -> {
                claimRetryAt = ticker.getAsLong() + settle;
                later(settle);
            });
            // The join goes on in the background: the caller (the daemon: its admin API, its
            // signal handling) goes on, and a stop during the join does not wait for it.
            join.start(ch, BIND_WAIT_SECONDS);
        } catch (VipException e) {
            shutdownThreads();
            throw e;
        } catch (Exception e) {
            shutdownThreads();
            JChannel ch = channel;
            // A join still under way (the ports not bound in time) closes the channel itself.
            if (ch != null && !join.abandonIfJoining()) {
                ch.close();
            }
            Throwable cause = e instanceof ExecutionException || e instanceof java.util.concurrent.CompletionException
                    ? e.getCause() : e;
            throw new ClusterException("cannot join cluster " + config.name() + " on " + config.bind() + ": "
                    + describe(cause), cause);
        }
        long tick = profile.advertInterval().toMillis();
        actor.scheduleAtFixedRate(this::tick, 0, tick, TimeUnit.MILLISECONDS);
        vips.schedule(profile);
        if (tiebreaker != null) {
            io.scheduleWithFixedDelay(() -> {
                tiebreaker.probe();
                actor.execute(this::tick);
            }, 0, tick, TimeUnit.MILLISECONDS);
        }
        log.info("node {} joining cluster {} on {} (priority {}, preempt {}, {} VIP(s), {} timings): looking for {}",
                config.node(), config.name(), config.bind(), config.priority(), config.preempt(), vips.count(),
                profile.name(), config.peers());
    }

    /**
     * Completes when the join has ended: this node is in a view (with its peers, or alone when
     * none answered in time); exceptionally when the join failed.
     */
    public CompletableFuture<Void> joined() {
        return join.joined();
    }

    static String describe(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }

    /**
     * Leaves the cluster gracefully (SPEC §2, SIGTERM): says so to the peers first, lets one of them
     * take the VIPs over (make-before-break where the driver allows it, so no request fails),
     * releases them, then leaves. Blocks for at most a few seconds. Idempotent.
     */
    public void stop() {
        synchronized (this) {
            if (!started || closed) {
                closed = true;
                shutdownThreads();
                return;
            }
            closed = true;
        }
        if (join.abandonIfJoining()) {
            // Stopped while joining: nothing can be held (no claim before a view), and the channel
            // is locked by its connect until the join ends; the join thread closes it then.
            log.info("node {} stops while joining cluster {}: nothing held", config.node(), config.name());
            shutdownThreads();
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
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
            done.get(HANDOVER_LIMIT + TimeUnit.SECONDS.toNanos(2), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            log.warn("no peer took the VIPs over in time: releasing them anyway");
        } catch (ExecutionException | java.util.concurrent.RejectedExecutionException e) {
            log.warn("handover failed: {}", describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        shutdownThreads();
        vips.releaseIfHeld();
        JChannel ch = channel;
        if (ch != null) {
            ch.close(); // GMS leave: the peers install a view without us at once
        }
        log.info("node {} left cluster {}", config.node(), config.name());
    }

    @Override
    public void close() {
        stop();
    }

    private void shutdownThreads() {
        // Queued work finishes (a send in progress is not interrupted); periodic and delayed work
        // is dropped.
        for (ScheduledExecutorService s : List.of(actor, vipThread, io, farIo, pauseThread)) {
            s.shutdown();
        }
        for (ScheduledExecutorService s : List.of(actor, vipThread, io, farIo, pauseThread)) {
            try {
                s.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ------------------------------------------------------------------ public queries and changes

    /** The cluster as this node sees it. */
    public ClusterStatus status() {
        return status;
    }

    /** Whether this node holds the VIPs. */
    public boolean active() {
        return vips.held();
    }

    /** How many times this node took the VIPs over from an earlier holder. */
    public long failovers() {
        return failovers.get();
    }

    /** The configuration. */
    public ClusterConfig config() {
        return config;
    }

    /**
     * Changes a server's admin state and/or weight on every member: here at once, on the others
     * through an ordered cluster message; a member that joins later receives it too. Does not block.
     *
     * @param state  the new admin state, or null to leave it
     * @param weight the new weight, or null to leave it
     * @throws IllegalArgumentException when this node has no such server or the weight is out of range
     */
    public void changeServer(String backend, String server, AdminState state, Integer weight) {
        List<ServerChange> made = changes.local(backend, server, state, weight);
        if (!made.isEmpty()) {
            send(null, Messages.encode(new Messages.Changes(false, made)), false);
        }
    }

    /**
     * Applies a new whole configuration (a reload): the frontends of VIPs this node does not hold
     * stay unbound, and the cluster's runtime changes of servers are applied again on top.
     *
     * @throws org.tandemlb.core.LoadBalancerException as {@link LoadBalancer#apply}; nothing changes then
     */
    public void apply(LoadBalancerConfig next) {
        gate.apply(next);
        changes.reapply();
    }

    /** The replicated runtime settings, for tests and diagnostics. */
    public List<ServerChange> replicatedChanges() {
        return changes.all();
    }

    // ------------------------------------------------------------------ JGroups callbacks (JGroups threads)

    private void onMessage(Message msg) {
        Object decoded;
        try {
            decoded = Messages.decode(msg.getArray(), msg.getOffset(), msg.getLength());
        } catch (IOException | RuntimeException e) {
            log.warn("ignored a cluster message from {}: {}", msg.getSrc(), describe(e));
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
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopping
        }
    }

    private void onForeignKey(Address src) {
        long now = ticker.getAsLong();
        foreignKeyAt.set(now);
        try {
            actor.execute(() -> {
                if (lastForeignLog == Long.MIN_VALUE || now - lastForeignLog > TimeUnit.MINUTES.toNanos(1)) {
                    lastForeignLog = now;
                    log.warn("cluster traffic from {} is encrypted with another key: a node with another cluster "
                            + "secret or cluster name; it is ignored", src);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
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
                .filter(a -> !a.equals(channel.address()) && (previous == null || !previous.containsMember(a)))
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
                send(null, Messages.encode(new Messages.Changes(true, all)), false);
            }
        }
        evaluate();
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
                    log.warn("node {} has run alone for {} s although peer(s) {} accept connections on the cluster port: "
                            + "not one cluster (check that cluster.name and cluster.secret are the same on every node; "
                            + "tandem_cluster_members is 1)", config.node(), alone, up);
                } else {
                    log.info("node {} runs alone: no configured peer answers on its cluster port {}", config.node(),
                            SoloWatch.others(config));
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
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
                boolean planned = !exclusive && winner.isPresent() && (stopping || me.ready())
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
            log.info("node {} releases the VIPs ({})", config.node(),
                    stopping ? "stopping" : winner.map(w -> w.name() + " is elected").orElse("no member is eligible"));
            vipThread.execute(vips::release);
        }
        if (stopping && !holding && !claimInFlight && !releaseInFlight && handedOver != null) {
            handedOver.complete(null);
        }
        publish(members);
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
                if (!a.equals(channel.address()) && peers.values().stream()
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
        Peer owner = history.values().stream().filter(h -> h.macs.contains(mac)).findFirst().orElse(null);
        if (owner == null) {
            Long logged = conflictLogged.get(mac);
            if (logged == null || now - logged > TimeUnit.SECONDS.toNanos(30)) {
                conflictLogged.put(mac, now);
                log.error("VIP {}: another host ({}) also answers for it: an address conflict outside the cluster",
                        vip.ip(), mac);
            }
            return;
        }
        if (!holding) {
            return;
        }
        // It answers, so it holds the VIP: compare as holders (latest claim, then rank).
        MemberState other = new MemberState(owner.state.name(), owner.state.priority(), true, true, true,
                owner.state.epoch());
        MemberState me = new MemberState(config.node(), config.priority(), true, true, true, epoch);
        if (MemberState.HOLDER.compare(other, me) < 0) {
            log.warn("VIP {}: node {} also answers for it and ranks higher: releasing", vip.ip(), owner.state.name());
            notReadyUntil = now + 2 * staleNanos;
            evaluate();
        }
    }

    /** On the thread that noticed the pause, before it does anything else. */
    private void onPause() {
        log.warn("this process did not run for more than {}ms (a pause: GC, frozen VM, SIGSTOP): releasing the VIPs "
                + "before anything else", profile.pauseThreshold().toMillis());
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
                log.error("node {} could not take the VIPs {} times: standing aside for {}s", config.node(),
                        claimFailures, TimeUnit.NANOSECONDS.toSeconds(CLAIM_BACKOFF));
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
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopping
        }
    }

    // ------------------------------------------------------------------ sending

    private void sendAdvert() {
        JChannel ch = channel;
        if (ch == null) {
            return;
        }
        long now = ticker.getAsLong();
        byte[] data = Messages.encode(new Messages.Advert(self(now), maxEpoch, stopping, vips.hardwareAddresses()));
        send(null, data, true);
        // Members outside our view (the other side of a partition, a node that was frozen) hear
        // from us directly, so that neither side acts on a stale picture while JGroups merges.
        for (Address a : departed.keySet()) {
            send(a, data, true);
        }
    }

    /**
     * Sends on the IO thread: a unicast to a member that is gone can wait for a TCP connect.
     *
     * @param unreliable adverts are repeated anyway: no retransmission for them
     */
    private void send(Address dest, byte[] data, boolean unreliable) {
        JChannel ch = channel;
        ScheduledExecutorService sender = dest != null && unreliable ? farIo : io;
        if (ch == null || sender.isShutdown()) {
            return;
        }
        Message m = new BytesMessage(dest, data);
        if (unreliable && dest != null) {
            m.setFlag(Message.Flag.OOB, Message.Flag.NO_RELIABILITY, Message.Flag.DONT_BUNDLE);
        } else if (unreliable) {
            m.setFlag(Message.Flag.OOB);
        }
        try {
            sender.execute(() -> {
                try {
                    if (ch.isConnected()) {
                        ch.send(m);
                    }
                } catch (Exception e) {
                    log.debug("cluster send to {} failed: {}", dest == null ? "all" : dest, describe(e));
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopping
        }
    }

    // ------------------------------------------------------------------ status

    private void publish(List<MemberState> members) {
        Role role = holding ? Role.ACTIVE : Role.STANDBY;
        List<ClusterStatus.Member> list = new ArrayList<>();
        String owner = null;
        for (MemberState m : members) {
            boolean self = m.name().equals(config.node());
            list.add(new ClusterStatus.Member(m.name(), m.priority(), m.holding() ? Role.ACTIVE : Role.STANDBY,
                    m.ready(), self));
            if (m.holding() && (owner == null || self)) {
                owner = m.name();
            }
        }
        ClusterStatus next = new ClusterStatus(config.node(), role, list, vipStatus(owner));
        status = next;
        if (role != lastRole) {
            lastRole = role;
            for (Consumer<ClusterStatus> l : listeners) {
                try {
                    l.accept(next);
                } catch (RuntimeException e) {
                    log.warn("cluster status listener failed", e);
                }
            }
        }
    }

    private List<ClusterStatus.Vip> vipStatus(String owner) {
        return config.vips().stream()
                .map(v -> new ClusterStatus.Vip(v.cidr(), v.driver().configName(), owner))
                .toList();
    }

    private static ScheduledExecutorService single(String name) {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        e.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        e.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        return e;
    }

    /** Builds a {@link ClusterNode}. */
    public static final class Builder {
        private final ClusterConfig config;
        private final LoadBalancer lb;
        private final LoadBalancerConfig full;
        private CommandRunner runner = CommandRunner.system();
        private LongSupplier ticker = System::nanoTime;
        private final List<Consumer<ClusterStatus>> listeners = new ArrayList<>();

        private Builder(ClusterConfig config, LoadBalancer lb, LoadBalancerConfig full) {
            this.config = Objects.requireNonNull(config, "config");
            this.lb = Objects.requireNonNull(lb, "lb");
            this.full = Objects.requireNonNull(full, "full");
        }

        /** How the drivers run {@code ip}, {@code arping} and scripts (default: real processes). */
        public Builder commandRunner(CommandRunner r) {
            runner = Objects.requireNonNull(r);
            return this;
        }

        /** The monotonic clock, in nanoseconds (default {@link System#nanoTime}). */
        public Builder ticker(LongSupplier t) {
            ticker = Objects.requireNonNull(t);
            return this;
        }

        /** Told, on the cluster's thread, each time this node becomes active or standby. */
        public Builder listener(Consumer<ClusterStatus> l) {
            listeners.add(Objects.requireNonNull(l));
            return this;
        }

        public ClusterNode build() {
            return new ClusterNode(this);
        }
    }
}
