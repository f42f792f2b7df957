package org.tandemlb.core.backend;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.backend.balance.Candidate;
import org.tandemlb.core.config.PassiveCheckConfig;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.history.EventLog;
import org.tandemlb.core.history.EventType;

/**
 * A server of a backend at run time: its configuration, its resolved address, its health and
 * admin state, and its live counters. Thread-safe; shared by every event loop.
 *
 * <p>Its address is resolved once, when the server is created (never on an event loop); a
 * server whose name does not resolve is down until a reload resolves it.
 *
 * <p>Health: a server starts up (HAProxy's default {@code init-state up}); the health checks of
 * {@link org.tandemlb.core.health} move it with {@link #setUp}. After a down&rarr;up transition
 * (not at boot) and when it leaves {@code maint}, its {@linkplain #weight() effective weight}
 * ramps up linearly over the backend's {@code slow_start}, measured with the backend's ticker.
 *
 * <p>Changes of health, admin state and weight, and a health check whose result changed, are
 * recorded in the backend's {@link EventLog}.
 */
public final class Server implements Candidate {
    private static final Logger log = LoggerFactory.getLogger(Server.class);
    /** {@link #rampStart} when no slow start is in progress. */
    private static final long NO_RAMP = Long.MIN_VALUE;
    /** A {@code now} for {@link #weightAt} when the ticker was not read. */
    static final long NOT_READ = Long.MIN_VALUE;

    /**
     * What the health layer hears from a server: passive-check errors on live traffic and admin
     * state changes. Called on whatever thread made the change; implementations hand the work
     * to their own thread and return at once.
     */
    public interface Observer {
        /**
         * {@code errors} consecutive connect errors or timeouts on live traffic reached the
         * backend's {@code passive_check.error_limit}.
         */
        void passiveLimitReached(Server server, int errors);

        /** The admin state changed from {@code previous} to {@code server.adminState()}. */
        void adminStateChanged(Server server, AdminState previous);
    }

    private final Backend backend;
    private final ServerConfig config;
    private final InetSocketAddress address;
    private final LongSupplier ticker;
    private final EventLog events;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong connectFailures = new AtomicLong();
    private final AtomicInteger consecutiveConnectFailures = new AtomicInteger();
    private final AtomicLong checkFailures = new AtomicLong();
    private volatile AdminState adminState = AdminState.READY;
    private volatile boolean up;
    /** When {@link #up} last changed, or when this server was created. */
    private volatile Instant healthSince;

    private volatile int weight;
    /** When the slow start in progress began (ticker time), or {@link #NO_RAMP}. */
    private final AtomicLong rampStart = new AtomicLong(NO_RAMP);

    private final String cookie;
    private volatile CheckResult lastCheck;
    private volatile Observer observer;

    Server(Backend backend, ServerConfig config, LongSupplier ticker, EventLog events) {
        this.backend = Objects.requireNonNull(backend);
        this.config = Objects.requireNonNull(config);
        this.ticker = Objects.requireNonNull(ticker);
        this.events = Objects.requireNonNull(events);
        this.healthSince = events.clock().instant();
        InetSocketAddress resolved =
                new InetSocketAddress(config.address().host(), config.address().port());
        this.address = resolved;
        this.up = !resolved.isUnresolved();
        this.weight = config.weight();
        this.cookie = cookieValue(config.name());
    }

    /**
     * The value that stands for a server in a persistence cookie: the first 48 bits of the
     * SHA-256 of its name, in hex. Never its address; the same on every node and every version,
     * so clients keep their server across a failover or an upgrade.
     */
    public static String cookieValue(String serverName) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(serverName.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** This server's value in persistence cookies ({@link #cookieValue}). */
    public String cookie() {
        return cookie;
    }

    /**
     * Whether a client whose cookie names this server may still be sent to it: up and not in
     * maintenance. A drained server, or one at weight 0, keeps its sticky clients (as HAProxy's
     * {@code drain}); it takes no new ones.
     */
    boolean stickyUsable() {
        return up && adminState != AdminState.MAINT;
    }

    /** The server's name, unique in its backend. */
    public String name() {
        return config.name();
    }

    @Override
    public String id() {
        return config.name();
    }

    /** The backend this server belongs to. */
    public Backend backend() {
        return backend;
    }

    /** The configuration this server was built from. */
    public ServerConfig config() {
        return config;
    }

    /** The resolved address connections go to (unresolved if the name did not resolve). */
    public InetSocketAddress address() {
        return address;
    }

    /** Whether this server is a backup, used only while every non-backup server is down. */
    public boolean backup() {
        return config.backup();
    }

    /**
     * The effective weight, the one balancers use: the {@linkplain #targetWeight() target weight},
     * except during a slow start, when it grows linearly from 1 to the target over the backend's
     * {@code slow_start} (never below 1 while ramping, so a ramping server does get traffic).
     */
    @Override
    public int weight() {
        // The ticker is read only during a ramp: balancers call this for every candidate.
        return ramping() ? weightAt(ticker.getAsLong()) : weight;
    }

    /** Whether a slow start may be ramping the weight now (the ticker then tells where it is). */
    boolean ramping() {
        return rampStart.get() != NO_RAMP;
    }

    /**
     * The effective weight at {@code now}, a time of the backend's ticker ({@link #weight()}), or
     * {@link #NOT_READ} when the caller saw no ramp and did not read the ticker: a ramp that
     * started since then counts as just started.
     */
    int weightAt(long now) {
        int target = weight;
        long start = rampStart.get();
        if (start == NO_RAMP || target == 0) {
            return target;
        }
        long ramp = backend.config().slowStart().toNanos();
        long elapsed = now == NOT_READ ? 0 : now - start;
        if (ramp <= 0 || elapsed >= ramp) {
            rampStart.compareAndSet(start, NO_RAMP); // unless a new ramp started meanwhile
            return target;
        }
        return (int) Math.min(target, rampWeight(target, elapsed, ramp));
    }

    /** The weight {@code elapsed} into a ramp: rounded up, as HAProxy does, so 1 as soon as it starts. */
    private static long rampWeight(int target, long elapsed, long ramp) {
        return Math.max(1, (target * Math.max(0, elapsed) + ramp - 1) / ramp);
    }

    /**
     * The first time of the backend's ticker after {@code now} (as for {@link #weightAt}) at which a slow start in progress
     * will raise the {@linkplain #weightAt effective weight} above its value at {@code now}, or
     * {@link Long#MAX_VALUE} when the weight will stay as it is (no ramp, or the ramp has reached
     * the target). Lets the {@code leastconn} order re-key a ramping server exactly when its
     * weight steps, not on every pick.
     */
    long nextWeightStep(long now) {
        int target = weight;
        long start = rampStart.get();
        if (start == NO_RAMP || target == 0) {
            return Long.MAX_VALUE;
        }
        long ramp = backend.config().slowStart().toNanos();
        long elapsed = now == NOT_READ ? 0 : now - start;
        if (ramp <= 0 || elapsed >= ramp) {
            return Long.MAX_VALUE;
        }
        long w = rampWeight(target, elapsed, ramp);
        if (w >= target) {
            return Long.MAX_VALUE;
        }
        // ceil(target * e / ramp) exceeds w from the first e with target * e > w * ramp.
        return start + w * ramp / target + 1;
    }

    /**
     * The {@linkplain #targetWeight() target weight}: a slow start ramps the weight from the
     * moment this node saw the server come up, which differs from node to node, so hashing does
     * not ramp, and every node sends a client to the same server.
     */
    @Override
    public int hashWeight() {
        return weight;
    }

    /** The weight set by the configuration or the API; {@link #weight()} ramps towards it during slow start. */
    public int targetWeight() {
        return weight;
    }

    /** Whether a slow start is ramping the weight up now. */
    public boolean slowStarting() {
        return weight() != weight;
    }

    /** Changes the target weight at run time (0 to 256); a slow start in progress ramps towards it. */
    public void setWeight(int newWeight) {
        if (newWeight < 0 || newWeight > ServerConfig.MAX_WEIGHT) {
            throw new IllegalArgumentException("weight " + newWeight + " is out of range 0-" + ServerConfig.MAX_WEIGHT);
        }
        int previous;
        synchronized (this) {
            previous = weight;
            weight = newWeight;
        }
        backend.serverChanged(this);
        if (previous != newWeight) {
            events.record(EventType.SERVER_WEIGHT, toString(), "weight " + newWeight + " (was " + previous + ")");
        }
    }

    @Override
    public int activeConnections() {
        return active.get();
    }

    /** Requests (HTTP) or connections (TCP) sent to this server since it was created. */
    public long requestsTotal() {
        return requests.get();
    }

    /** Connection attempts to this server that failed or timed out. */
    public long connectFailuresTotal() {
        return connectFailures.get();
    }

    /** The administrative state. */
    public AdminState adminState() {
        return adminState;
    }

    /**
     * Sets the administrative state; {@code drain} and {@code maint} stop new traffic at once,
     * and {@code maint} stops the health checks. Leaving {@code maint}, the server is up until
     * its first check says otherwise (see {@link org.tandemlb.core.health}) and slow-starts.
     */
    public void setAdminState(AdminState state) {
        Objects.requireNonNull(state);
        AdminState previous;
        synchronized (this) {
            previous = adminState;
            adminState = state;
            if (previous == AdminState.MAINT && state != AdminState.MAINT && up) {
                startRamp();
            }
        }
        if (previous == state) {
            return;
        }
        log.info("server {} is now {} (was {})", this, state.apiName(), previous.apiName());
        events.record(EventType.SERVER_STATE, toString(), state.apiName() + " (was " + previous.apiName() + ")");
        backend.serverChanged(this);
        Observer o = observer;
        if (o != null) {
            o.adminStateChanged(this, previous);
        }
    }

    /** Whether the server is healthy. */
    public boolean isUp() {
        return up;
    }

    /** When the server last went up or down; when it was created if it never did. */
    public Instant healthSince() {
        return healthSince;
    }

    /** As {@link #setUp(boolean, String)} without a reason. */
    public void setUp(boolean isUp) {
        setUp(isUp, null);
    }

    /**
     * Sets the health state (health checks call this). A down&rarr;up transition starts the
     * backend's slow start, if it has one, and is recorded in the event log with {@code why}.
     *
     * @param why what showed it (a check's result), for the event log; null for nothing
     */
    public void setUp(boolean isUp, String why) {
        boolean changed;
        synchronized (this) {
            changed = this.up != isUp;
            if (changed) {
                this.up = isUp;
                this.healthSince = events.clock().instant();
                consecutiveConnectFailures.set(0);
                if (isUp) {
                    startRamp();
                } else {
                    rampStart.set(NO_RAMP);
                }
            }
        }
        if (changed) {
            backend.serverChanged(this);
            events.record(
                    EventType.SERVER_HEALTH, toString(), (isUp ? "up" : "down") + (why == null ? "" : ": " + why));
        }
    }

    private void startRamp() {
        if (!backend.config().slowStart().isZero()) {
            rampStart.set(ticker.getAsLong());
        }
    }

    /** The result of the last active health check, or null before the first one. */
    public CheckResult lastCheck() {
        return lastCheck;
    }

    /** Failed active health checks since this server was created. */
    public long checkFailuresTotal() {
        return checkFailures.get();
    }

    /** Records the result of an active health check (the health checks call this). */
    public void recordCheck(CheckResult result) {
        Objects.requireNonNull(result);
        if (!result.passed()) {
            checkFailures.incrementAndGet();
        }
        CheckResult previous = lastCheck;
        lastCheck = result;
        // Only a change is news: a first check that passed is what everyone expects (a thousand
        // servers would fill the log at start), and a repeated failure says nothing new.
        boolean news = previous == null
                ? !result.passed()
                : previous.status() != result.status() || !previous.message().equals(result.message());
        if (news) {
            events.record(
                    EventType.SERVER_HEALTH,
                    toString(),
                    result.type() + " check " + result.status().apiName() + ": " + result.message()
                            + (previous == null
                                    ? ""
                                    : " (was " + previous.status().apiName() + ": " + previous.message() + ")"));
        }
    }

    /**
     * Sets the health layer's observer of this server, or null for none. The engine sets it when
     * the backend has an active or passive check.
     */
    public void observer(Observer newObserver) {
        observer = newObserver;
    }

    /** Whether new traffic may go here: up, ready, with a weight. */
    boolean usable() {
        return up && adminState == AdminState.READY && weight > 0;
    }

    boolean full() {
        int max = config.maxConnections();
        return max > 0 && active.get() >= max;
    }

    /** Called under the backend's lock when a slot is given out. */
    void take() {
        active.incrementAndGet();
        requests.incrementAndGet();
    }

    /** Gives back a slot taken by {@link Backend#acquire}; a queued request may then get it. */
    public void release() {
        if (active.decrementAndGet() < 0) {
            active.incrementAndGet();
            throw new IllegalStateException("server " + backend.name() + "/" + name() + " released more than acquired");
        }
        backend.slotReleased(this);
    }

    /**
     * Records a failed or timed-out connection attempt on live traffic. With a passive check,
     * {@code error_limit} consecutive ones (no success in between, on any event loop) tell the
     * observer, which marks the server down at once.
     */
    public void connectFailed() {
        connectFailures.incrementAndGet();
        PassiveCheckConfig passive = backend.config().passiveCheck();
        if (!passive.enabled()) {
            return;
        }
        int n = consecutiveConnectFailures.incrementAndGet();
        // Once the server is down, attempts still in flight on other loops keep counting without
        // effect; two racing at the limit are told apart by the observer (one log line).
        if (n >= passive.errorLimit() && up) {
            Observer o = observer;
            if (o != null) {
                o.passiveLimitReached(this, n);
            }
        }
    }

    /** Records a successful connection on live traffic: the run of consecutive errors is over. */
    public void connectSucceeded() {
        if (consecutiveConnectFailures.get() != 0) {
            consecutiveConnectFailures.set(0);
        }
    }

    @Override
    public String toString() {
        return backend.name() + "/" + name();
    }
}
