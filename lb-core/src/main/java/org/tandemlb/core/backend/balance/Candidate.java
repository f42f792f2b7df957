package org.tandemlb.core.backend.balance;

/**
 * What a {@link Balancer} needs to know of a server: a stable identity, its current effective
 * weight and its load. Implemented by the engine's servers; tests may use plain objects.
 */
public interface Candidate {
    /** A stable identity (the server's name), used by hashing algorithms. */
    String id();

    /** The current effective weight, at least 1 for a candidate (zero-weight servers are never candidates). */
    int weight();

    /** The requests (HTTP) or connections (TCP) this server is handling now. */
    int activeConnections();
}
