package org.tandemlb.core.backend;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.tandemlb.core.backend.balance.Candidate;
import org.tandemlb.core.config.ServerConfig;

/**
 * A server of a backend at run time: its configuration, its resolved address, its health and
 * admin state, and its live counters. Thread-safe; shared by every event loop.
 *
 * <p>Its address is resolved once, when the server is created (never on an event loop); a
 * server whose name does not resolve is down until a reload resolves it.
 */
public final class Server implements Candidate {
    private final Backend backend;
    private final ServerConfig config;
    private final InetSocketAddress address;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong connectFailures = new AtomicLong();
    private volatile AdminState adminState = AdminState.READY;
    private volatile boolean up;
    private volatile int weight;

    Server(Backend backend, ServerConfig config) {
        this.backend = Objects.requireNonNull(backend);
        this.config = Objects.requireNonNull(config);
        InetSocketAddress resolved = new InetSocketAddress(config.address().host(), config.address().port());
        this.address = resolved;
        this.up = !resolved.isUnresolved();
        this.weight = config.weight();
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

    /** The current weight: the configured one unless an operator changed it. */
    @Override
    public int weight() {
        return weight;
    }

    /** Changes the weight at run time (0 to 256). */
    public void setWeight(int newWeight) {
        if (newWeight < 0 || newWeight > ServerConfig.MAX_WEIGHT) {
            throw new IllegalArgumentException("weight " + newWeight + " is out of range 0-" + ServerConfig.MAX_WEIGHT);
        }
        this.weight = newWeight;
        backend.serversChanged();
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

    /** Sets the administrative state; {@code drain} and {@code maint} stop new traffic at once. */
    public void setAdminState(AdminState state) {
        this.adminState = Objects.requireNonNull(state);
        backend.serversChanged();
    }

    /** Whether the server is healthy. */
    public boolean isUp() {
        return up;
    }

    /** Sets the health state (health checks call this). */
    public void setUp(boolean isUp) {
        if (this.up != isUp) {
            this.up = isUp;
            backend.serversChanged();
        }
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
        backend.slotReleased();
    }

    /** Records a failed or timed-out connection attempt on live traffic. */
    public void connectFailed() {
        connectFailures.incrementAndGet();
    }

    /** Records a successful connection on live traffic. */
    public void connectSucceeded() {
        // Passive health checking (consecutive errors) builds on this in the health package.
    }

    @Override
    public String toString() {
        return backend.name() + "/" + name();
    }
}
