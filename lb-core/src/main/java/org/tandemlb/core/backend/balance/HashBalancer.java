package org.tandemlb.core.backend.balance;

import java.util.List;

/**
 * Hash balancing: weighted {@link Rendezvous} hashing of a key taken from the request
 * ({@code HashPolicy}), optionally with bounded loads.
 *
 * <p>Bounded loads ("consistent hashing with bounded loads", Mirrokni, Thorup and Zadimoghaddam
 * 2018), weighted: with {@code m} requests active on the candidates and {@code W} the sum of
 * their weights, a server of weight {@code w} may take the new request while it has fewer than
 * {@code ceil(bound * (m + 1) * w / W)} active; the key goes to its best-scoring server that may.
 * The capacities add up to at least {@code bound * (m + 1) > m}, so some server always may. A
 * hot key therefore fills its own server up to the bound and then spills to its second-best
 * server, and so on, rather than overloading one server; with the load balanced, every key stays
 * on its first server.
 *
 * <p>A request without the key is balanced round-robin (as HAProxy does when the header or
 * parameter is absent). Not thread-safe: called under the backend's lock like every
 * {@link Balancer}.
 */
final class HashBalancer implements Balancer {
    private final double bound;
    private final RoundRobinBalancer keyless = new RoundRobinBalancer();

    /** @param bound the bounded-load factor, at least 1, or 0 for none */
    HashBalancer(double bound) {
        this.bound = bound;
    }

    /** @param key the request's key bytes, or null when it has none */
    @Override
    public <T extends Candidate> T pick(List<T> candidates, byte[] key) {
        if (key == null) {
            return keyless.pick(candidates, null);
        }
        int size = candidates.size();
        long active = 0;
        long weights = 0;
        if (bound > 0) {
            for (int i = 0; i < size; i++) {
                active += candidates.get(i).activeConnections();
                weights += candidates.get(i).weight();
            }
        }
        long keyState = Rendezvous.keyState(key);
        T best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < size; i++) {
            T candidate = candidates.get(i);
            if (bound > 0 && candidate.activeConnections() >= capacity(candidate.weight(), active, weights)) {
                continue;
            }
            double score = Rendezvous.score(keyState, candidate);
            if (score > bestScore) {
                best = candidate;
                bestScore = score;
            }
        }
        return best;
    }

    /** How many requests a server of {@code weight} may have with the new one counted in. */
    private double capacity(int weight, long active, long weights) {
        return Math.ceil(bound * (active + 1) * weight / weights);
    }
}
