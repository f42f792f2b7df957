package org.tandemlb.core.backend.balance;

import java.util.List;

/**
 * Least connections, weighted: picks the candidate with the lowest
 * {@code activeConnections / weight}, as HAProxy's {@code leastconn}.
 *
 * <p>Loads are compared by cross-multiplication in {@code long}
 * ({@code a.active * b.weight < b.active * a.weight}), which is exact: two servers with
 * 2 connections at weight 2 and 1 connection at weight 1 tie, where floating point could break
 * the tie by a rounding error. Both factors are {@code int}s, so the product cannot overflow.
 *
 * <p>Ties are broken round-robin: the scan starts just after the position chosen last time, and
 * the first candidate with the lowest load from there wins. With static loads (a burst of picks
 * before any of the connections is counted, or long-lived TCP connections on idle servers) equal
 * servers are therefore chosen in turn instead of the first one taking everything; N tied
 * servers get exactly one pick each per N picks, whatever less-loaded positions lie between them.
 *
 * <p>This is the list form, which looks at every candidate on every pick. A {@code leastconn}
 * backend does not use it: it keeps its servers in the same order in a {@link LeastConnQueue}
 * as their loads change, so that a pick costs the same with a thousand servers as with two. The
 * scan stays for callers that only have a list, and as the definition the queue is tested
 * against.
 *
 * <p>Not thread-safe: {@link Balancer} instances are called under their backend's lock.
 */
final class LeastConnBalancer implements Balancer {

    /** The position after the last chosen one, where the next scan starts. */
    private int next;

    LeastConnBalancer() {}

    @Override
    public <T extends Candidate> T pick(List<T> candidates, byte[] clientKey) {
        int size = candidates.size();
        int start = Math.floorMod(next, size);
        int bestIndex = start;
        T best = candidates.get(start);
        for (int step = 1; step < size; step++) {
            int index = start + step;
            if (index >= size) {
                index -= size;
            }
            T candidate = candidates.get(index);
            if (lessLoaded(candidate, best)) {
                best = candidate;
                bestIndex = index;
            }
        }
        next = bestIndex + 1;
        return best;
    }

    /** Whether {@code a} carries strictly fewer connections per unit of weight than {@code b}. */
    static boolean lessLoaded(Candidate a, Candidate b) {
        return lessLoaded(a, a.weight(), b, b.weight());
    }

    /** As {@link #lessLoaded(Candidate, Candidate)}, with the weights given. */
    static boolean lessLoaded(Candidate a, int weightA, Candidate b, int weightB) {
        return (long) a.activeConnections() * weightB < (long) b.activeConnections() * weightA;
    }
}
