package org.tandemlb.core.backend.balance;

import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Smooth weighted round-robin, the algorithm of Nginx's {@code ngx_http_upstream_rr}.
 *
 * <p>Every candidate has a <em>current weight</em>, starting at 0. On each pick every candidate's
 * current weight grows by its weight, the candidate with the largest current weight is chosen
 * (the first in list order on a tie) and the chosen one's current weight drops by the sum of the
 * weights. Over any {@code total} consecutive picks with an unchanged set of candidates each one
 * is chosen exactly {@code weight} times, and the picks are spread out rather than clumped:
 * weights 5, 1, 1 give {@code a a b a c a a}, not {@code a a a a a b c}. That is why it is used
 * rather than plain weighted round-robin: a heavy server does not receive bursts, and equal
 * weights give exact, predictable splits (docs/behaviour.md).
 *
 * <p>The candidate list changes between calls (servers go down, are drained, come back, are
 * removed by a reload), so the state is kept per server {@linkplain Candidate#id() id}, not per
 * position. When the set of candidates differs from the previous pick's, every candidate's
 * current weight is reset to 0 and the rounds start afresh. Nginx instead lets an absent server
 * keep its current weight; the remaining servers' weights then no longer sum to zero and the
 * split is off by one or more for a while, so that with a server down, 100 requests over the two
 * left could land 51/49. Starting afresh keeps the promise of docs/behaviour.md from the moment of the
 * change: N·k requests over N equal servers land k on each, exactly. The cost is that the server
 * chosen just before the change may be chosen again right after it, once. A change of weight
 * alone (slow start) is not a change of set and keeps the state.
 *
 * <p>A change of set is detected cheaply: a candidate that was not in the previous pick has
 * joined; if none has joined and the count is the same, none has left. Entries for ids that have
 * not been a candidate for {@value #PRUNE_EVERY} picks are dropped in a sweep run once every
 * {@value #PRUNE_EVERY} picks, so servers removed by reloads do not accumulate.
 *
 * <p><b>Over a {@link Lineup}</b> (a backend's servers between two changes) the same sequence is
 * worked out once per change rather than once per pick: one period of it (the weights divided by
 * their greatest common divisor, laid out as the algorithm above picks them from a fresh start)
 * is kept as a schedule, and a pick is the next entry, skipping the servers the pick may not use
 * (full ones, or those a retry tried already): O(1) without allocation, where the list form is
 * O(n). With equal weights the schedule is the servers in order, made in O(n); otherwise making it
 * costs one list-form step per entry, O(period × n), so weights whose period would take more than
 * {@value #BUILD_STEPS} steps (many servers with unrelated weights, or slow starts in progress)
 * are rounded to fit: the split is then within about one pick per server and period of the exact
 * one. A new lineup of other servers starts the schedule afresh, as the list form does on a
 * change of set; a change of weights alone keeps the position.
 *
 * <p>Not thread-safe: {@link Balancer} instances are called under their backend's lock.
 */
final class RoundRobinBalancer implements Balancer {

    /** How often, in picks, stale entries are swept, and how long an id may be absent before it is. */
    static final int PRUNE_EVERY = 1024;

    private static final class State {
        long current;
        /** The tick of the last pick this id took part in; -1 until its first. */
        long lastSeen = -1;
    }

    private final Map<String, State> states = new HashMap<>();
    /** The states of the current pick's candidates, in list order; reused to avoid allocation. */
    private State[] scratch = new State[8];
    /** The number of picks so far; a state's {@code lastSeen} is the last pick it took part in. */
    private long tick;

    private int previousSize;

    /** The most list-form steps a lineup's schedule may take to make (about 10 ms). */
    static final long BUILD_STEPS = 1L << 22;

    /** The lineup the schedule was made for, the schedule (lineup indexes) and the next entry. */
    private Lineup<?> lineup;

    private int[] schedule;
    private int cursor;

    RoundRobinBalancer() {}

    @Override
    public <T extends Candidate> T pick(Lineup<T> l, byte[] clientKey, Predicate<? super T> unavailable) {
        if (l != lineup) {
            int[] next = schedule(l);
            cursor = l.sameIds(lineup) && next.length > 0 ? cursor % next.length : 0;
            lineup = l;
            schedule = next;
        }
        int n = schedule.length;
        for (int tries = 0; tries < n; tries++) {
            T c = l.get(schedule[cursor]);
            cursor = cursor + 1 == n ? 0 : cursor + 1;
            if (!unavailable.test(c)) {
                return c;
            }
        }
        return null;
    }

    /** One period of the smooth sequence over {@code l}, as lineup indexes. */
    static int[] schedule(Lineup<?> l) {
        int n = l.size();
        if (l.uniformWeights()) {
            return inTurn(n); // equal weights: each in turn, ties going to the first
        }
        long gcd = 0;
        for (int i = 0; i < n; i++) {
            gcd = gcd(gcd, l.weight(i));
        }
        long[] weights = new long[n];
        long period = 0;
        for (int i = 0; i < n; i++) {
            weights[i] = l.weight(i) / gcd;
            period += weights[i];
        }
        if (period * n > BUILD_STEPS) {
            // Rounded to fit the budget, each weight at least 1.
            double scale = (double) BUILD_STEPS / n / period;
            period = 0;
            for (int i = 0; i < n; i++) {
                weights[i] = Math.max(1, Math.round(weights[i] * scale));
                period += weights[i];
            }
            if (period * n > 2 * BUILD_STEPS) {
                return inTurn(n); // thousands of servers: weight 1 each is over budget already
            }
        }
        long[] current = new long[n];
        int[] order = new int[(int) period];
        for (int t = 0; t < order.length; t++) {
            int best = 0;
            for (int i = 0; i < n; i++) {
                current[i] += weights[i];
                if (current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= period;
            order[t] = best;
        }
        return order;
    }

    private static int[] inTurn(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        return order;
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    @Override
    public <T extends Candidate> T pick(List<T> candidates, byte[] clientKey) {
        long previousTick = tick++;
        int size = candidates.size();
        if (scratch.length < size) {
            scratch = new State[Math.max(size, 2 * scratch.length)];
        }
        boolean changed = size != previousSize;
        for (int i = 0; i < size; i++) {
            State state = states.computeIfAbsent(candidates.get(i).id(), id -> new State());
            changed |= state.lastSeen != previousTick;
            state.lastSeen = tick;
            scratch[i] = state;
        }
        previousSize = size;
        if (changed) {
            for (int i = 0; i < size; i++) {
                scratch[i].current = 0;
            }
        }

        long total = 0;
        int best = 0;
        for (int i = 0; i < size; i++) {
            int weight = candidates.get(i).weight();
            State state = scratch[i];
            state.current += weight;
            total += weight;
            if (state.current > scratch[best].current) {
                best = i;
            }
        }
        scratch[best].current -= total;
        if (tick % PRUNE_EVERY == 0) {
            prune();
        }
        return candidates.get(best);
    }

    private void prune() {
        for (Iterator<State> it = states.values().iterator(); it.hasNext(); ) {
            if (tick - it.next().lastSeen >= PRUNE_EVERY) {
                it.remove();
            }
        }
    }

    /** The number of ids with state, for tests of the sweep. */
    int trackedIds() {
        return states.size();
    }
}
