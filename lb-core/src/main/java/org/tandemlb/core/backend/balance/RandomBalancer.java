package org.tandemlb.core.backend.balance;

import java.util.List;
import java.util.Objects;
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
 * <p>The random generator is obtained from the supplier on every pick, so that
 * {@code ThreadLocalRandom::current} gives each thread its own and tests can inject a seeded one.
 * The balancer itself keeps no state.
 */
final class RandomBalancer implements Balancer {

    private final Supplier<? extends RandomGenerator> random;

    RandomBalancer(Supplier<? extends RandomGenerator> random) {
        this.random = Objects.requireNonNull(random, "random");
    }

    @Override
    public <T extends Candidate> T pick(List<T> candidates, byte[] clientKey) {
        int size = candidates.size();
        if (size == 1) {
            return candidates.get(0);
        }
        RandomGenerator rng = random.get();
        long total = 0;
        for (int i = 0; i < size; i++) {
            total += candidates.get(i).weight();
        }
        int first = draw(candidates, rng.nextLong(total), -1);
        int second = draw(candidates, rng.nextLong(total - candidates.get(first).weight()), first);
        T a = candidates.get(first);
        T b = candidates.get(second);
        return LeastConnBalancer.lessLoaded(b, a) ? b : a;
    }

    /**
     * The index whose weight interval contains {@code point}, the weights laid end to end in list
     * order, leaving out the candidate at {@code skip}.
     */
    private static int draw(List<? extends Candidate> candidates, long point, int skip) {
        int size = candidates.size();
        int last = -1;
        for (int i = 0; i < size; i++) {
            if (i == skip) {
                continue;
            }
            point -= candidates.get(i).weight();
            if (point < 0) {
                return i;
            }
            last = i;
        }
        // Unreachable when point < the sum of the weights; kept as a safe fallback.
        return last;
    }
}
