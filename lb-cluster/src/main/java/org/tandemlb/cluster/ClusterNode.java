package org.tandemlb.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jgroups.JChannel;
import org.jgroups.protocols.TCPPING;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.cluster.ClusterStatus.Role;
import org.tandemlb.cluster.vip.BindVipDriver;
import org.tandemlb.cluster.vip.CommandRunner;
import org.tandemlb.cluster.vip.FrontendGate;
import org.tandemlb.cluster.vip.LinuxVipDriver;
import org.tandemlb.cluster.vip.ScriptVipDriver;
import org.tandemlb.cluster.vip.VipDriver;
import org.tandemlb.cluster.vip.VipException;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.backend.AdminState;
import org.tandemlb.core.config.LoadBalancerConfig;

/**
 * A Tandem node's membership of its cluster: it joins the other nodes over JGroups, takes part in
 * the election of the active node (docs/cluster.md), holds the VIPs while active, and replicates runtime
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
 * {@code tandem-join} ({@link ClusterJoin}); the {@code bgp} VIPs' commands ({@code birdc},
 * {@code ip}) on {@code tandem-bgp}. Nothing here runs on the load balancer's event loops.
 *
 * <p>The work is split by job: this class is the life cycle (threads, channel, start, stop) and
 * the public API; {@link Membership} is the actor (members, election, adverts, status);
 * {@link VipOwnership} claims, renews and releases the VIPs; {@link ServerChanges} replicates
 * runtime changes of servers; {@link ClusterJoin} joins; {@link SoloWatch} notices a node left
 * alone; {@link Anycast} announces the {@code bgp} VIPs, which are not elected.
 */
public final class ClusterNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);
    /** The longest {@link #start} waits for the stack to bind its ports (a local operation). */
    private static final long BIND_WAIT_SECONDS = 30;

    /** What the node started with: the keys that wait for a restart keep its values. */
    private final ClusterConfig initial;
    /** What runs now: {@link #initial} until a reload applies another section. */
    private volatile ClusterConfig config;

    private final CommandRunner runner;
    private final LongSupplier ticker;
    private final List<Consumer<ClusterConfig>> reconfigured = new CopyOnWriteArrayList<>();
    private final FrontendGate gate;
    private final ServerChanges changes;
    private final ClusterJoin join;
    private final Membership members;
    private final PauseDetector pause;
    private final ScheduledExecutorService actor = single("tandem-cluster");
    private final ScheduledExecutorService vipThread = single("tandem-vip");
    private final ScheduledExecutorService io = single("tandem-cluster-io");
    /** Adverts to members outside the view: a connect to a host that is gone must not delay the rest. */
    private final ScheduledExecutorService farIo = single("tandem-cluster-far");

    private final ScheduledExecutorService pauseThread = single("tandem-pause");
    /** The {@code bgp} VIPs' commands (birdc, ip), apart from the elected VIPs' thread. */
    private final ScheduledExecutorService bgpThread = single("tandem-bgp");
    /** The {@code bgp} VIPs, announced by every fit node; an empty slot without any. */
    private final AnycastSlot anycast;

    private volatile JChannel channel;
    private volatile boolean started;
    private volatile boolean closed;

    private ClusterNode(Builder b) {
        this.initial = b.config;
        this.config = b.config;
        this.runner = b.runner;
        this.ticker = b.ticker;
        LoadBalancer lb = b.lb;
        this.gate = new FrontendGate(lb, b.full, config.vips());
        this.changes = new ServerChanges(lb, config.node(), b.changeListener);
        this.join = new ClusterJoin(config, b.ticker);
        List<VipDriver> list = new ArrayList<>();
        for (VipConfig v : config.vips()) {
            if (v.elected()) { // the bgp VIPs: no election, every fit node announces them (Anycast)
                list.add(driver(v, config.profile()));
            }
        }
        this.members = new Membership(config, lb, list, changes, b.ticker, b.listeners, actor, vipThread, io, farIo);
        this.pause = members.pause();
        this.anycast = new AnycastSlot(config, runner, bgpThread, b.ticker);
        members.onTick(() -> anycast.tick(members.fitness()));
    }

    /** The driver of an elected VIP, with {@code p}'s lease and DAD wait. */
    private VipDriver driver(VipConfig v, ClusterStack.Profile p) {
        return switch (v.driver()) {
            case LINUX -> new LinuxVipDriver(v, runner, p.lease(), p.dadWait());
            case BIND -> new BindVipDriver(v, gate);
            case SCRIPT -> new ScriptVipDriver(v, initial.node(), runner);
            case BGP -> throw new AssertionError("bgp VIPs are not elected");
        };
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
            members.groups().prepare();
            anycast.prepare();
            // The heartbeat of the pause detector runs from before the join: messages handled
            // while joining check it too.
            pause.resume();
            pauseThread.scheduleAtFixedRate(pause::check, 100, 100, TimeUnit.MILLISECONDS);
            JChannel ch = ClusterStack.channel(config, members.inbox()::onForeignKey, join::bound);
            ch.setReceiver(members.inbox().receiver());
            channel = ch;
            members.starting(ch);
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
            Throwable cause = e instanceof ExecutionException || e instanceof CompletionException ? e.getCause() : e;
            throw new ClusterException(
                    "cannot join cluster " + config.name() + " on " + config.bind() + ": " + describe(cause), cause);
        }
        members.scheduleTimers();
        ClusterStack.Profile profile = config.profile();
        log.info(
                "node {} joining cluster {} on {} (priority {}, preempt {}, {} VIP(s) in {} group(s), spread {}, "
                        + "preempt_delay {}s, {} timings): looking for {}",
                config.node(),
                config.name(),
                config.bind(),
                config.priority(),
                config.preempt(),
                config.vips().size(),
                config.groups().size(),
                config.spread(),
                config.preemptDelay().toMillis() / 1000.0,
                profile.name(),
                config.peers());
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
     * Leaves the cluster gracefully (SIGTERM, as the README says): says so to the peers first, lets one of them
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
        anycast.withdrawForStop(); // the router converges before this node stops serving
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            members.stop(done);
            done.get(Handover.LIMIT + TimeUnit.SECONDS.toNanos(2), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            log.warn("no peer took the VIPs over in time: releasing them anyway");
        } catch (ExecutionException | RejectedExecutionException e) {
            log.warn("handover failed: {}", describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        shutdownThreads();
        members.groups().releaseAllNow();
        anycast.close();
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
        for (ScheduledExecutorService s : List.of(actor, vipThread, bgpThread, io, farIo, pauseThread)) {
            s.shutdown();
        }
        for (ScheduledExecutorService s : List.of(actor, vipThread, bgpThread, io, farIo, pauseThread)) {
            try {
                s.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ------------------------------------------------------------------ public queries and changes

    /** The cluster as this node sees it; a {@code bgp} VIP's owner is this node while it announces it. */
    public ClusterStatus status() {
        return anycast.status(members.status());
    }

    /** Whether this node holds elected VIPs: at least one group. */
    public boolean active() {
        return members.groups().holdsAny();
    }

    /** Whether this node holds the VIPs of {@code group}. */
    public boolean holds(String group) {
        return members.groups().holds(group);
    }

    /** Whether this node holds {@code vip} now: for a {@code bgp} VIP, whether it announces it. */
    public boolean owns(VipConfig vip) {
        return vip.elected() ? holds(vip.group()) : anycast.announced();
    }

    /** How many times this node took a VIP group over from an earlier holder, all groups together. */
    public long failovers() {
        return members.groups().failovers();
    }

    /** How many times this node took {@code group} over from an earlier holder. */
    public long failovers(String group) {
        return members.groups().failovers(group);
    }

    /**
     * The configuration that runs: the one the node was built with, then each reload's
     * ({@link #apply(LoadBalancerConfig, ClusterConfig)}) with the keys that wait for a restart as
     * they were at the start.
     */
    public ClusterConfig config() {
        return config;
    }

    /**
     * Told, on the reloading thread, the configuration that runs after each reload of the
     * cluster section (the meters follow the VIPs and groups with it); it must return at once.
     */
    public void onReconfigured(Consumer<ClusterConfig> l) {
        reconfigured.add(Objects.requireNonNull(l));
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
            members.sendChanges(made);
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

    /**
     * Applies a new whole configuration and cluster section (a reload; docs/cluster.md,
     * "Reloading the cluster section"), in place: checks and prepares the cluster's part first
     * (new VIPs' drivers, the peers' addresses, the tiebreaker, BIRD), then applies the load
     * balancer's as {@link #apply(LoadBalancerConfig)}, then the cluster's on the actor in one step:
     * groups and VIPs added and removed, priority, preempt, preempt_delay, spread and tiebreaker in
     * the next adverts and elections, Tandem's timings, the peers for discovery, the {@code bgp}
     * VIPs. The keys that wait for a restart keep their running values and are returned.
     *
     * @return the keys that changed but wait for a restart, each with why; empty when all applied
     * @throws org.tandemlb.core.LoadBalancerException as {@link LoadBalancer#apply}; nothing changes then
     * @throws VipException     when a new VIP's driver or BIRD lacks what it needs; nothing changes then
     * @throws ClusterException when a peer's address does not resolve; nothing changes then
     * @throws IllegalStateException when the node is not running
     */
    public synchronized List<String> apply(LoadBalancerConfig next, ClusterConfig cluster) {
        if (!started || closed || channel == null) {
            throw new IllegalStateException("the cluster node is not running");
        }
        ClusterConfig running = config;
        Reconfiguration r = Reconfiguration.prepare(
                initial, running, cluster, v -> driver(v, cluster.profile()), anycast.present(), runner, ticker);
        ClusterConfig c = r.config();
        gate.apply(next, c.vips());
        changes.reapply();
        r.fresh().values().stream().filter(d -> d instanceof BindVipDriver).forEach(VipDriver::prepare);
        if (!c.peers().equals(running.peers())) {
            // Discovery (a join, a merge) asks these from now on; the view itself changes as
            // members start and stop.
            TCPPING ping = channel.getProtocolStack().findProtocol(TCPPING.class);
            if (ping != null) {
                ping.setInitialHosts(r.peers());
            }
        }
        Future<?> done = actor.submit(() -> members.reconfigure(c, r.fresh(), r.tiebreaker()));
        try {
            done.get(BIND_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            log.error("applying the cluster section failed", e.getCause());
        } catch (TimeoutException e) {
            log.warn("the cluster's thread has not applied the reload yet: it will");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        anycast.reconfigure(r);
        config = c;
        reconfigured.forEach(l -> l.accept(c));
        log.info(
                "node {}: cluster section reloaded (priority {}, preempt {}, {} VIP(s) in {} group(s), spread {}, "
                        + "preempt_delay {}s, {} timings, peers {})",
                c.node(),
                c.priority(),
                c.preempt(),
                c.vips().size(),
                c.groups().size(),
                c.spread(),
                c.preemptDelay().toMillis() / 1000.0,
                c.profile().name(),
                c.peers());
        r.restart().forEach(k -> log.warn("{} changed: it waits for a restart of this node", k));
        return r.restart();
    }

    /** The replicated runtime settings, for tests and diagnostics. */
    public List<ServerChange> replicatedChanges() {
        return changes.all();
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
        private Runnable changeListener = () -> {};

        private Builder(ClusterConfig config, LoadBalancer lb, LoadBalancerConfig full) {
            this.config = Objects.requireNonNull(config, "config");
            this.lb = Objects.requireNonNull(lb, "lb");
            this.full = Objects.requireNonNull(full, "full");
        }

        /** How the drivers run their commands ({@code ip}, {@code arping}, ...) and scripts (default: real processes). */
        public Builder commandRunner(CommandRunner r) {
            runner = Objects.requireNonNull(r);
            return this;
        }

        /** The monotonic clock, in nanoseconds (default {@link System#nanoTime}). */
        public Builder ticker(LongSupplier t) {
            ticker = Objects.requireNonNull(t);
            return this;
        }

        /**
         * Told, on the cluster's thread, each time this node becomes active or standby, or takes or
         * releases a VIP group while active.
         */
        public Builder listener(Consumer<ClusterStatus> l) {
            listeners.add(Objects.requireNonNull(l));
            return this;
        }

        /**
         * Told, on the thread that applied them, each time runtime changes of servers received
         * from a member were applied here (the daemon keeps them in its state file); it must
         * return at once.
         */
        public Builder serverChangeListener(Runnable l) {
            changeListener = Objects.requireNonNull(l);
            return this;
        }

        public ClusterNode build() {
            return new ClusterNode(this);
        }
    }
}
