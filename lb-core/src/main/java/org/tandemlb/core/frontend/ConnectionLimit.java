package org.tandemlb.core.frontend;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bound on client connections of all a load balancer's frontends together (the top-level
 * {@code max_connections}, HAProxy's global {@code maxconn}). At the bound every frontend stops
 * accepting, and the first connection that closes lets them accept again: clients wait in the
 * kernel's backlog rather than being reset.
 */
public final class ConnectionLimit {
    /** No bound; for frontends made alone. */
    static ConnectionLimit none() {
        return new ConnectionLimit(0);
    }

    private volatile int max;
    private final AtomicInteger current = new AtomicInteger();
    private final Set<Frontend> frontends = ConcurrentHashMap.newKeySet();

    /** A bound of {@code max} connections; 0 for none. */
    public ConnectionLimit(int max) {
        setMax(max);
    }

    /** Changes the bound (a reload); the frontends accept or stop accordingly. */
    public void setMax(int max) {
        if (max < 0) {
            throw new IllegalArgumentException("max_connections must not be negative");
        }
        this.max = max;
        frontends.forEach(Frontend::updateAccepting);
    }

    /** Client connections open now, in all frontends. */
    public int current() {
        return current.get();
    }

    boolean hasRoom() {
        int m = max;
        return m == 0 || current.get() < m;
    }

    boolean limited() {
        return max > 0;
    }

    void join(Frontend f) {
        frontends.add(f);
    }

    void leave(Frontend f) {
        frontends.remove(f);
    }

    void opened() {
        int now = current.incrementAndGet();
        int m = max;
        if (m > 0 && now >= m) {
            frontends.forEach(Frontend::updateAccepting); // full: every frontend stops
        }
    }

    void closed() {
        int now = current.decrementAndGet();
        int m = max;
        if (m > 0 && now < m) {
            frontends.forEach(Frontend::updateAccepting);
        }
    }
}
