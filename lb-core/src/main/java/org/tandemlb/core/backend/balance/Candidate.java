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

    /**
     * The weight that hashing ({@code source}, {@code hash}) scores this server by: the same on
     * every node of a cluster at every moment, so a client maps to the same server whichever node
     * the router sends its flow to. The {@linkplain #weight() effective weight} is not: it ramps
     * during a slow start that began when this node saw the server come up. By default the
     * effective weight.
     */
    default int hashWeight() {
        return weight();
    }

    /** The requests (HTTP) or connections (TCP) this server is handling now. */
    int activeConnections();
}
