package org.tandemlb.core.backend;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.tandemlb.core.backend.balance.Balancer;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Balance;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.history.EventLog;
import org.tandemlb.core.tls.UpstreamTls;

/**
 * A pool of servers at run time: chooses a server for each request (HTTP) or connection (TCP)
 * with the backend's {@link Balancer}, enforces each server's {@code max_connections}, and queues
 * what cannot be placed yet for up to {@code timeouts.queue}.
 *
 * <p>Choosing and queueing happen under one short lock (no I/O is done under it); answers are
 * delivered on the event loop of the caller. The queue needs no bound of its own: each waiting
 * entry is a client connection, and those are bounded by the frontends' {@code max_connections}.
 */
public final class Backend {
    private final String name;
    private final LongSupplier ticker;
    private final EventLog events;
    private volatile BackendConfig config;
    /** The TLS client side of the connections to the servers, or null without {@code tls}. */
    private volatile UpstreamTls tls;

    private volatile List<Server> servers;
    private Balancer balancer;
    /**
     * With {@code leastconn}, the servers kept in order (the balancer is not used then), else
     * null. Written under the lock; volatile so that a released slot costs other algorithms no lock.
     */
    private volatile LeastConnServers leastConn;

    private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
    private volatile int queued;

    /** The usable servers as of their last change, made again when one changes: see {@link UsableServers}. */
    private final UsableServers usable;

    /** Creates the runtime backend for {@code config}; resolves the server addresses. */
    public Backend(BackendConfig config) {
        this(config, System::nanoTime);
    }

    /**
     * Creates the runtime backend for {@code config}, whose slow starts are timed with
     * {@code ticker} (nanoseconds, like {@link System#nanoTime()}); resolves the server addresses
     * and builds its TLS side ({@link UpstreamTls#create}, which reads files).
     */
    public Backend(BackendConfig config, LongSupplier ticker) {
        this(config, ticker, tlsOf(config, null));
    }

    /**
     * As {@link #Backend(BackendConfig, LongSupplier)}, with the TLS side built beforehand for
     * {@code config.tls()} (null when it has none).
     */
    public Backend(BackendConfig config, LongSupplier ticker, UpstreamTls tls) {
        this(config, ticker, tls, new EventLog(Clock.systemUTC()));
    }

    /**
     * As {@link #Backend(BackendConfig, LongSupplier, UpstreamTls)}, recording its servers' health,
     * admin-state and weight changes in {@code events} (whose clock also stamps
     * {@link Server#healthSince()}).
     */
    public Backend(BackendConfig config, LongSupplier ticker, UpstreamTls tls, EventLog events) {
        requireTls(config, tls);
        this.events = Objects.requireNonNull(events, "events");
        this.name = config.name();
        this.config = config;
        this.tls = tls;
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.balancer = Balancer.of(config);
        List<Server> list = new ArrayList<>();
        for (ServerConfig sc : config.servers()) {
            list.add(new Server(this, sc, ticker, events));
        }
        this.servers = List.copyOf(list);
        this.leastConn = leastConnOf(config, servers);
        this.usable = new UsableServers(ticker);
    }

    private LeastConnServers leastConnOf(BackendConfig c, List<Server> list) {
        return c.balance() == Balance.LEASTCONN ? new LeastConnServers(list, ticker) : null;
    }

    /** The backend's name. */
    public String name() {
        return name;
    }

    /** The configuration in force. */
    public BackendConfig config() {
        return config;
    }

    /**
     * The wall clock of this backend, its event log's (the load balancer's): it also dates the
     * persistence cookies of {@code max_idle}.
     */
    public Clock clock() {
        return events.clock();
    }

    /**
     * The TLS client side of the connections to the servers (live traffic and health checks), or
     * null when the backend has no {@code tls}.
     */
    public UpstreamTls tls() {
        return tls;
    }

    /**
     * The TLS side {@code config} needs: null without {@code tls}, else {@code previous} when it
     * still fits (same settings and {@code ca} content), else a new one. Reads the {@code ca}
     * file: call it off the event loops.
     *
     * @throws IllegalArgumentException when the {@code ca} file cannot be used
     */
    public static UpstreamTls tlsOf(BackendConfig config, UpstreamTls previous) {
        return config.tls() == null
                ? null
                : UpstreamTls.create(
                        config.name(),
                        config.mode(),
                        config.protocol(),
                        config.tls(),
                        UpstreamTls.provider(),
                        previous);
    }

    private static void requireTls(BackendConfig config, UpstreamTls tls) {
        if ((config.tls() == null) != (tls == null)
                || (tls != null && !tls.config().equals(config.tls()))) {
            throw new IllegalArgumentException(
                    "backend " + config.name() + ": the TLS side does not match its tls setting");
        }
    }

    /** The servers, in configuration order. */
    public List<Server> servers() {
        return servers;
    }

    /** The server called {@code serverName}, or null. */
    public Server server(String serverName) {
        for (Server s : servers) {
            if (s.name().equals(serverName)) {
                return s;
            }
        }
        return null;
    }

    /** Requests or connections waiting for a slot. */
    public int queueLength() {
        return queued;
    }

    /**
     * Takes a new configuration of the same name: servers whose name and configuration are
     * unchanged are kept with their state and counters; others are replaced, added or dropped.
     *
     * @return the servers that were dropped or replaced (the caller closes their idle connections)
     */
    public List<Server> update(BackendConfig next) {
        return update(next, tlsOf(next, tls));
    }

    /**
     * As {@link #update(BackendConfig)}, with the TLS side built beforehand for {@code next.tls()}
     * (null when it has none). Connections made with the previous one are not closed here.
     */
    public List<Server> update(BackendConfig next, UpstreamTls nextTls) {
        requireTls(next, nextTls);
        if (!next.name().equals(name)) {
            throw new IllegalArgumentException("backend " + name + " cannot become " + next.name());
        }
        Map<String, Server> old = new HashMap<>();
        for (Server s : servers) {
            old.put(s.name(), s);
        }
        List<Server> list = new ArrayList<>();
        for (ServerConfig sc : next.servers()) {
            Server kept = old.get(sc.name());
            if (kept != null && kept.config().equals(sc)) {
                list.add(kept);
                old.remove(sc.name());
            } else {
                list.add(new Server(this, sc, ticker, events));
            }
        }
        synchronized (this) {
            if (next.balance() != config.balance() || !Objects.equals(next.hash(), config.hash())) {
                balancer = Balancer.of(next);
            }
            config = next;
            tls = nextTls;
            servers = List.copyOf(list);
            // Rebuilt rather than patched: a reload may change slow_start, which moves every ramp.
            leastConn = leastConnOf(next, servers);
            usable.changed();
        }
        serversChanged();
        return List.copyOf(old.values());
    }

    /**
     * Asks for a server. The answer comes once, on {@code loop}: at once when a server has a free
     * slot, after a wait in the queue when every usable server is at its {@code max_connections},
     * or a refusal when no server is usable.
     *
     * @param clientKey the client's address bytes (for {@code source} balancing)
     * @param exclude   servers not to use (those a retry already failed on)
     * @param loop      the event loop to answer on
     * @param grant     the receiver of the answer
     */
    public void acquire(byte[] clientKey, Set<Server> exclude, EventExecutor loop, ServerGrant grant) {
        acquire(clientKey, null, exclude, loop, grant);
    }

    /**
     * As {@link #acquire(byte[], Set, EventExecutor, ServerGrant)}, for a client whose persistence
     * cookie names a server: that server when it may still take the client (up, not in
     * maintenance: drained servers keep their sticky clients), not excluded and with a free slot;
     * otherwise the backend balances as usual.
     *
     * @param cookie the server's cookie value ({@link Server#cookie()}) the client sent, or null
     */
    public void acquire(byte[] clientKey, String cookie, Set<Server> exclude, EventExecutor loop, ServerGrant grant) {
        Objects.requireNonNull(grant);
        Server chosen;
        boolean mustWait;
        synchronized (this) {
            Server persistent = cookie == null ? null : sticky(cookie, exclude);
            chosen = persistent != null ? persistent : queue.isEmpty() ? pick(clientKey, exclude) : null;
            mustWait = chosen == null && hasUsable(exclude);
            if (mustWait) {
                Waiter w = new Waiter(clientKey, exclude, loop, grant);
                queue.add(w);
                queued = queue.size();
                w.timeout =
                        loop.schedule(() -> expire(w), config.timeouts().queue().toNanos(), TimeUnit.NANOSECONDS);
            }
        }
        // On the caller's own loop (the proxy's case) the answer is a plain call: no task, no lambda.
        if (chosen != null) {
            if (loop.inEventLoop()) {
                grant.granted(chosen);
            } else {
                loop.execute(() -> grant.granted(chosen));
            }
        } else if (!mustWait) {
            answer(loop, () -> grant.refused(Refusal.NO_SERVER));
        }
    }

    private static void answer(EventExecutor loop, Runnable r) {
        if (loop.inEventLoop()) {
            r.run();
        } else {
            loop.execute(r);
        }
    }

    /** Under the lock: the server of a persistence cookie with a slot taken, or null when it cannot take the client. */
    private Server sticky(String cookie, Set<Server> exclude) {
        for (Server s : servers) {
            if (s.cookie().equals(cookie)) {
                if (!s.stickyUsable() || s.full() || exclude.contains(s)) {
                    return null;
                }
                take(s);
                return s;
            }
        }
        return null;
    }

    /** Under the lock: picks and takes a slot, or returns null when none is free. */
    private Server pick(byte[] clientKey, Set<Server> exclude) {
        LeastConnServers ordered = leastConn;
        if (ordered != null) {
            Server s = ordered.first(exclude);
            if (s != null) {
                take(s);
            }
            return s;
        }
        Server s = usable.pick(servers, balancer, clientKey, exclude);
        if (s != null) {
            take(s);
        }
        return s;
    }

    /** Under the lock: gives {@code s} a slot, and with {@code leastconn} moves it to its new place. */
    private void take(Server s) {
        s.take();
        LeastConnServers ordered = leastConn;
        if (ordered != null) {
            ordered.refresh(s);
        }
    }

    /** Under the lock: whether a server could take the request once one has a free slot. */
    private boolean hasUsable(Set<Server> exclude) {
        return usable.any(servers, exclude);
    }

    /**
     * The health, state or weight of {@code server} changed: the usable servers are made again at
     * the next pick; with {@code leastconn} it moves to its new place; waiting requests may now
     * be placed, or refused.
     */
    void serverChanged(Server server) {
        usable.changed();
        slotReleased(server);
    }

    /**
     * {@code server} released a slot (or changed): with {@code leastconn} it moves to its new
     * place; waiting requests may now be placed.
     */
    void slotReleased(Server server) {
        if (leastConn != null) {
            synchronized (this) {
                LeastConnServers ordered = leastConn;
                if (ordered != null) {
                    ordered.refresh(server);
                }
            }
        }
        serversChanged();
    }

    /** The servers changed: waiting requests may now be placed, or refused. */
    private void serversChanged() {
        if (queued > 0) {
            serveQueue();
        }
    }

    private void serveQueue() {
        List<Runnable> answers = new ArrayList<>();
        synchronized (this) {
            for (Iterator<Waiter> it = queue.iterator(); it.hasNext(); ) {
                Waiter w = it.next();
                Server s = pick(w.clientKey, w.exclude);
                if (s != null) {
                    it.remove();
                    w.timeout.cancel(false);
                    answers.add(() -> answer(w.loop, () -> w.grant.granted(s)));
                } else if (!hasUsable(w.exclude)) {
                    it.remove();
                    w.timeout.cancel(false);
                    answers.add(() -> answer(w.loop, () -> w.grant.refused(Refusal.NO_SERVER)));
                } else {
                    break; // first come, first served: later waiters do not overtake
                }
            }
            queued = queue.size();
        }
        answers.forEach(Runnable::run);
    }

    private void expire(Waiter w) {
        boolean removed;
        synchronized (this) {
            removed = queue.remove(w);
            queued = queue.size();
        }
        if (removed) {
            w.grant.refused(Refusal.QUEUE_TIMEOUT);
        }
    }

    @Override
    public String toString() {
        return "backend " + name;
    }

    private static final class Waiter {
        final byte[] clientKey;
        final Set<Server> exclude;
        final EventExecutor loop;
        final ServerGrant grant;
        ScheduledFuture<?> timeout;

        Waiter(byte[] clientKey, Set<Server> exclude, EventExecutor loop, ServerGrant grant) {
            this.clientKey = clientKey;
            this.exclude = exclude;
            this.loop = loop;
            this.grant = grant;
        }
    }
}
