package org.tandemlb.core.backend.balance;

import java.util.function.Predicate;

/**
 * Weighted rendezvous hashing (highest random weight, Thaler and Ravishankar 1998; the weighted
 * form of Schindelhauer and Schomaker 2005), shared by {@code source} and {@code hash} balancing.
 *
 * <p>For a key, every candidate gets a pseudo-random score derived from the pair (key, server
 * id): a 64-bit hash of the two is turned into a uniform {@code u} in (0, 1) and the score is
 * {@code -weight / ln(u)}; the highest score wins. The score of a server depends only on that
 * server and the key, never on the other candidates, so
 * <ul>
 *   <li>a key keeps its server as long as that server is a candidate, whatever the order of the
 *       list, on every node that has the same servers;</li>
 *   <li>removing a server (down, drained, deleted) moves only the keys it had, each to its
 *       second-best server, spread over all the others by weight;</li>
 *   <li>adding a server takes from each other server only the keys for which the new one scores
 *       highest, about {@code weight / total} of them.</li>
 * </ul>
 * {@code -weight / ln(u)} with {@code u} uniform makes the winner's probability exactly
 * {@code weight / sum of weights}: {@code -ln(u) / weight} is exponential with rate
 * {@code weight}, and the smallest of independent exponentials is each one's with probability
 * proportional to its rate. Unlike a hash ring it needs no virtual nodes and no table to rebuild
 * on reload, at the cost of one hash per candidate per pick: O(n), cheap for a backend's handful
 * of servers, a few microseconds with a thousand (docs/performance.md, servers per backend).
 *
 * <p>The hash is written here rather than taken from a library so that the mapping of keys to
 * servers never changes underneath a deployment (a library upgrade must not reshuffle every
 * client): 64-bit FNV-1a over the key bytes followed by the id's UTF-8 bytes, finished with the
 * SplitMix64 finalizer. FNV alone spreads short, similar inputs such as neighbouring IPv4
 * addresses or ids {@code web1}, {@code web2} poorly; the finalizer is a bijection with full
 * avalanche, which makes the scores of one key for different servers, and of neighbouring keys
 * for one server, behave as independent uniform draws. The FNV state after the key is computed
 * once per pick ({@link #keyState}) and continued for each candidate, over the id's bytes that
 * its {@link Lineup} keeps.
 */
final class Rendezvous {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private Rendezvous() {}

    /** The hash state after {@code key}, to continue for each candidate. */
    static long keyState(byte[] key) {
        return fnv1a(FNV_OFFSET, key);
    }

    /**
     * The index of {@code l}'s candidate with the highest score for the key whose state is
     * {@code keyState}, among those {@code ruledOut} does not rule out (the first in order on a
     * tie), or -1 when it rules them all out. The score of a candidate of weight {@code w} is
     * {@code -w / ln(u)}, {@code u} uniform in (0, 1) from the hash, {@code w} its
     * {@linkplain Candidate#hashWeight() hash weight}: never a weight ramping on this node only, so
     * that every node of a cluster picks alike. With equal weights the highest score is the
     * highest {@code u}, so the logarithm is skipped (the same winner).
     */
    static <T extends Candidate> int best(Lineup<T> l, long keyState, Predicate<? super T> ruledOut) {
        return best(l, keyState, ruledOut, 0, 0, 0);
    }

    /**
     * As {@link #best(Lineup, long, Predicate)}, with bounded loads ({@code bound} above 0, see
     * {@link HashBalancer}): a candidate of weight {@code w} is ruled out too while it has at least
     * {@code ceil(bound * (active + 1) * w / weights)} requests, {@code active} being the requests
     * on the candidates left and {@code weights} the sum of their weights.
     */
    static <T extends Candidate> int best(
            Lineup<T> l, long keyState, Predicate<? super T> ruledOut, double bound, long active, long weights) {
        int best = -1;
        if (l.uniformHashWeights()) {
            long bestDraw = -1;
            for (int i = 0; i < l.size(); i++) {
                if (ruledOut(l, i, ruledOut, bound, active, weights)) {
                    continue;
                }
                long draw = draw(keyState, l.id(i));
                if (draw > bestDraw) {
                    best = i;
                    bestDraw = draw;
                }
            }
            return best;
        }
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < l.size(); i++) {
            if (ruledOut(l, i, ruledOut, bound, active, weights)) {
                continue;
            }
            // The draw's 53 bits, centred in their interval: u is uniform in (0, 1), never 0 nor
            // 1, so ln(u) is finite and strictly negative and the score finite and positive.
            double u = (draw(keyState, l.id(i)) + 0.5) * 0x1.0p-53;
            double score = -l.hashWeight(i) / Math.log(u);
            if (score > bestScore) {
                best = i;
                bestScore = score;
            }
        }
        return best;
    }

    private static <T extends Candidate> boolean ruledOut(
            Lineup<T> l, int i, Predicate<? super T> ruledOut, double bound, long active, long weights) {
        T c = l.get(i);
        return ruledOut.test(c)
                || (bound > 0 && c.activeConnections() >= Math.ceil(bound * (active + 1) * l.weight(i) / weights));
    }

    /** The top 53 bits of the hash of the key (its state) and a candidate's id (its UTF-8 bytes). */
    private static long draw(long keyState, byte[] id) {
        return mix(fnv1a(keyState, id)) >>> 11;
    }

    private static long fnv1a(long h, byte[] bytes) {
        for (byte b : bytes) {
            h ^= b & 0xff;
            h *= FNV_PRIME;
        }
        return h;
    }

    /** The SplitMix64 finalizer (Stafford's "Mix13"): a bijection on 64 bits with full avalanche. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
