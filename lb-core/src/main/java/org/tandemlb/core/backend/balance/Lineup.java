package org.tandemlb.core.backend.balance;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * The servers a backend's new traffic may go to, as of their last change of health, admin state
 * or weight, with what picks need worked out once: each one's effective weight at that moment,
 * the weights laid end to end (for a draw by weight, a binary search) and each id's bytes (for
 * hashing). A backend builds one when its servers change, not for every pick; a pick then only
 * skips the servers that cannot take this request ({@link Balancer#pick(Lineup, byte[], Predicate)}:
 * full, or already tried by a retry).
 *
 * <p>Immutable, hence thread-safe.
 *
 * @param <T> the kind of candidate
 */
public final class Lineup<T extends Candidate> {
    private final Object[] candidates;
    private final int[] weights;
    /** {@code ends[i]}: the sum of the weights up to and including candidate {@code i}. */
    private final long[] ends;

    private final byte[][] ids;
    private final boolean uniform;
    /** Each candidate's {@linkplain Candidate#hashWeight() hash weight}: what hashing scores by. */
    private final int[] hashWeights;

    private final boolean uniformHash;

    private Lineup(List<? extends T> candidates, int[] weights) {
        int n = candidates.size();
        if (weights.length != n) {
            throw new IllegalArgumentException(n + " candidates, " + weights.length + " weights");
        }
        this.candidates = candidates.toArray();
        this.weights = weights.clone();
        this.ends = new long[n];
        this.ids = new byte[n][];
        this.hashWeights = new int[n];
        long sum = 0;
        boolean same = true;
        boolean sameHash = true;
        for (int i = 0; i < n; i++) {
            if (weights[i] < 1) {
                throw new IllegalArgumentException(
                        "candidate " + candidates.get(i).id() + " has weight " + weights[i]);
            }
            sum += weights[i];
            ends[i] = sum;
            ids[i] = Objects.requireNonNull(candidates.get(i).id(), "id").getBytes(StandardCharsets.UTF_8);
            same &= weights[i] == weights[0];
            hashWeights[i] = Math.max(1, candidates.get(i).hashWeight());
            sameHash &= hashWeights[i] == hashWeights[0];
        }
        this.uniform = same;
        this.uniformHash = sameHash;
    }

    /**
     * The lineup of {@code candidates} (in the backend's order) with the given effective weights,
     * each at least 1.
     */
    public static <T extends Candidate> Lineup<T> of(List<? extends T> candidates, int[] weights) {
        return new Lineup<>(candidates, weights);
    }

    /** The lineup of {@code candidates} with their weights as they are now. */
    public static <T extends Candidate> Lineup<T> of(List<? extends T> candidates) {
        int[] w = new int[candidates.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = candidates.get(i).weight();
        }
        return new Lineup<>(candidates, w);
    }

    /** The number of candidates. */
    public int size() {
        return candidates.length;
    }

    /** Whether there is no candidate. */
    public boolean isEmpty() {
        return candidates.length == 0;
    }

    /** The candidate at {@code i}, in the backend's order. */
    @SuppressWarnings("unchecked")
    public T get(int i) {
        return (T) candidates[i];
    }

    /** The effective weight of the candidate at {@code i} when the lineup was made. */
    public int weight(int i) {
        return weights[i];
    }

    /** The sum of the weights. */
    public long totalWeight() {
        return candidates.length == 0 ? 0 : ends[candidates.length - 1];
    }

    /** Whether every candidate has the same weight. */
    boolean uniformWeights() {
        return uniform;
    }

    /**
     * The hash weight of the candidate at {@code i} when the lineup was made: its set weight, the
     * same on every node (a slow start ramps only the effective weight).
     */
    int hashWeight(int i) {
        return hashWeights[i];
    }

    /** Whether every candidate has the same hash weight. */
    boolean uniformHashWeights() {
        return uniformHash;
    }

    /** The UTF-8 bytes of the id of the candidate at {@code i}. */
    byte[] id(int i) {
        return ids[i];
    }

    /** The sum of the weights before candidate {@code i}: where its interval starts. */
    long start(int i) {
        return ends[i] - weights[i];
    }

    /**
     * The index whose interval contains {@code point} (0 ≤ point &lt; total), the weights laid end
     * to end in order: a binary search.
     */
    int at(long point) {
        int i = Arrays.binarySearch(ends, point);
        // An exact hit on an end is the start of the next interval; a miss is the insertion point.
        return i >= 0 ? i + 1 : -i - 1;
    }

    /** Whether {@code other} has the same candidate ids in the same order (weights aside). */
    boolean sameIds(Lineup<?> other) {
        if (other == null || other.ids.length != ids.length) {
            return false;
        }
        for (int i = 0; i < ids.length; i++) {
            if (!Arrays.equals(ids[i], other.ids[i])) {
                return false;
            }
        }
        return true;
    }
}
