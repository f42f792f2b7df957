package org.tandemlb.core.backend.balance;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.tandemlb.core.config.BackendConfig;

/**
 * A balancing algorithm: picks one of the usable servers of a backend for a new request (HTTP)
 * or connection (TCP). One instance per backend; it may keep state between picks (round-robin
 * positions) and is called under the backend's lock, so it needs no synchronization of its own
 * but must be quick and must not block.
 *
 * <p>Two forms: over a list of candidates made for the pick ({@link #pick(List, byte[])}), and
 * over a {@link Lineup} that the backend keeps from one change of its servers to the next
 * ({@link #pick(Lineup, byte[], Predicate)}), which {@code roundrobin} and {@code random} answer
 * without looking at every server (docs/performance.md, servers per backend).
 */
public interface Balancer {

    /**
     * Picks one of {@code candidates}.
     *
     * @param candidates the usable servers, never empty, in the backend's configured order
     * @param clientKey  what hashing algorithms hash: the client's address bytes (4 or 16) for
     *                   {@code source}, the request's key for {@code hash} (null when the request
     *                   has none)
     * @return one element of {@code candidates}
     */
    <T extends Candidate> T pick(List<T> candidates, byte[] clientKey);

    /**
     * Picks one of {@code lineup}'s candidates that {@code unavailable} does not rule out (a full
     * server, one a retry already tried), or null when it rules them all out. Results follow the
     * list form over the candidates left; this default makes that list (it allocates, and looks
     * at every candidate), the algorithms a backend uses with many servers do better.
     *
     * @param clientKey as for {@link #pick(List, byte[])}
     */
    default <T extends Candidate> T pick(Lineup<T> lineup, byte[] clientKey, Predicate<? super T> unavailable) {
        List<T> left = new ArrayList<>(lineup.size());
        for (int i = 0; i < lineup.size(); i++) {
            T c = lineup.get(i);
            if (!unavailable.test(c)) {
                left.add(c);
            }
        }
        return left.isEmpty() ? null : pick(left, clientKey);
    }

    /** The balancer of {@code backend}. */
    static Balancer of(BackendConfig backend) {
        return switch (backend.balance()) {
            case ROUNDROBIN -> roundRobin();
            case LEASTCONN -> leastConn();
            case RANDOM -> random();
            case SOURCE -> source();
            case HASH -> hash(backend.hash().bound());
        };
    }

    /** Smooth weighted round-robin (as Nginx): exact splits by weight, interleaved. */
    static Balancer roundRobin() {
        return new RoundRobinBalancer();
    }

    /**
     * Fewest active connections per unit of weight; ties broken round-robin. This form scans its
     * list; a {@code leastconn} backend keeps a {@link LeastConnQueue} in the same order instead.
     */
    static Balancer leastConn() {
        return new LeastConnBalancer();
    }

    /** Power of two random choices, drawn by weight; the less loaded of the two wins. */
    static Balancer random() {
        return new RandomBalancer(ThreadLocalRandom::current);
    }

    /** Weighted rendezvous hashing of the client address: removing a server moves only its share. */
    static Balancer source() {
        return new SourceHashBalancer();
    }

    /** Weighted rendezvous hashing of the request's key, loads bounded by {@code bound} (0: unbounded). */
    static Balancer hash(double bound) {
        return new HashBalancer(bound);
    }
}
