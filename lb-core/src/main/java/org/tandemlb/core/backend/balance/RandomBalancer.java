package org.tandemlb.core.backend.balance;

import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Power of two random choices: draws two distinct candidates at random, each with probability
 * proportional to its weight, and picks the one with the lower
 * {@code activeConnections / weight} (the first drawn on a tie).
 *
 * <p>Why two choices rather than one: a purely random pick ignores load, and a pure
 * least-connections pick sends every new request to the same server until its counter moves,
 * which herds when many balancers (or many event loops) see the same stale counts. Comparing two
 * random candidates avoids both: it never chooses the most loaded server while a less loaded one
 * exists among those drawn, and its maximum load is exponentially better than one random choice
 * (Mitzenmacher, "The Power of Two Choices in Randomized Load Balancing", 2001). With equal loads
 * the first draw wins, so the split follows the weights.
 *
 * <p>The second candidate is drawn from the others, again by weight, so the two are distinct.
 * Loads are compared exactly, by cross-multiplication as in {@link LeastConnBalancer}.
 *
 * <p>Over a {@link Lineup} a draw is a binary search in the weights laid end to end, worked out
 * once per change of the backend's servers: O(log n) per pick, nothing allocated; the list form
 * makes a lineup first.
 *
 * <p>The random generator is obtained from the supplier on every pick, so that
 * {@code ThreadLocalRandom::current} gives each thread its own and tests can inject a seeded one.
 * The balancer itself keeps no state.
 */
final class RandomBalancer implements Balancer {

    /** Draws that may land on ruled-out candidates before one pass over those left. */
    static final int DRAWS = 4;

    private final Supplier<? extends RandomGenerator> random;

    RandomBalancer(Supplier<? extends RandomGenerator> random) {
        this.random = Objects.requireNonNull(random, "random");
    }

    @Override
    public <T extends Candidate> T pick(List<T> candidates, byte[] clientKey) {
        return pick(Lineup.of(candidates), clientKey, c -> false);
    }

    @Override
    public <T extends Candidate> T pick(Lineup<T> l, byte[] clientKey, Predicate<? super T> unavailable) {
        if (l.size() == 1) {
            T only = l.get(0);
            return unavailable.test(only) ? null : only;
        }
        RandomGenerator rng = random.get();
        int first = draw(l, rng, -1, unavailable);
        if (first < 0) {
            return null;
        }
        int second = draw(l, rng, first, unavailable);
        if (second < 0) {
            return l.get(first);
        }
        T a = l.get(first);
        T b = l.get(second);
        return LeastConnBalancer.lessLoaded(b, l.weight(second), a, l.weight(first)) ? b : a;
    }

    /**
     * Draws a candidate by weight other than {@code skip} (-1: none) that {@code unavailable} does
     * not rule out: a point in the weights laid end to end ({@code skip}'s interval left out),
     * found by binary search, drawn again while it lands on a ruled-out candidate; after
     * {@value #DRAWS} such draws, one draw over the weights of the candidates left, in one pass.
     * Either way each candidate left is drawn with probability proportional to its weight.
     *
     * @return its index, or -1 when none is left
     */
    private static <T extends Candidate> int draw(
            Lineup<T> l, RandomGenerator rng, int skip, Predicate<? super T> unavailable) {
        long total = l.totalWeight() - (skip < 0 ? 0 : l.weight(skip));
        if (total <= 0) {
            return -1;
        }
        for (int tries = 0; tries < DRAWS; tries++) {
            long point = rng.nextLong(total);
            if (skip >= 0 && point >= l.start(skip)) {
                point += l.weight(skip);
            }
            int i = l.at(point);
            if (!unavailable.test(l.get(i))) {
                return i;
            }
        }
        long left = 0;
        for (int i = 0; i < l.size(); i++) {
            if (i != skip && !unavailable.test(l.get(i))) {
                left += l.weight(i);
            }
        }
        if (left == 0) {
            return -1;
        }
        long point = rng.nextLong(left);
        for (int i = 0; i < l.size(); i++) {
            if (i != skip && !unavailable.test(l.get(i))) {
                point -= l.weight(i);
                if (point < 0) {
                    return i;
                }
            }
        }
        return -1; // unreachable: point < left
    }
}
