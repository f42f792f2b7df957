package org.tandemlb.core.backend.balance;

import java.util.List;
import java.util.function.Predicate;

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
        return key == null ? keyless.pick(candidates, null) : pick(Lineup.of(candidates), key, c -> false);
    }

    /** @param key the request's key bytes, or null when it has none */
    @Override
    public <T extends Candidate> T pick(Lineup<T> l, byte[] key, Predicate<? super T> unavailable) {
        if (key == null) {
            return keyless.pick(l, null, unavailable);
        }
        long active = 0;
        long weights = 0;
        if (bound > 0) {
            for (int i = 0; i < l.size(); i++) {
                T c = l.get(i);
                if (!unavailable.test(c)) {
                    active += c.activeConnections();
                    weights += l.weight(i);
                }
            }
        }
        int best = Rendezvous.best(l, Rendezvous.keyState(key), unavailable, bound, active, weights);
        return best < 0 ? null : l.get(best);
    }
}
