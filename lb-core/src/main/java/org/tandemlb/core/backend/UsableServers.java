package org.tandemlb.core.backend;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.tandemlb.core.backend.balance.Balancer;
import org.tandemlb.core.backend.balance.Lineup;

/**
 * The servers a backend's new traffic may go to, kept from one change to the next so that a pick
 * does not look through every server: the usable ({@link Server#usable}: up, ready, with a
 * weight) non-backup servers or, when there is none, the usable backups, as a {@link Lineup}
 * with their effective weights. It is made again at the first pick after a server's health,
 * admin state or weight changed ({@link #changed}) or a reload, and, while a slow start is in
 * progress, when the earliest ramping weight steps ({@link Server#nextWeightStep}: the ticker is
 * read on a pick only then). What depends on the pick is left to it: a full server
 * ({@code max_connections}) and those a retry tried already are skipped, not left out of the
 * lineup.
 *
 * <p>Under the backend's lock, but for {@link #changed}, which any thread calls.
 */
final class UsableServers {
    private final LongSupplier ticker;
    private final Unavailable unavailable = new Unavailable();
    /** A server changed since the lineup was made. */
    private volatile boolean stale = true;

    private Lineup<Server> lineup;
    /** When the weight of a ramping server steps next (ticker time), or {@link Long#MAX_VALUE}. */
    private long nextStep = Long.MAX_VALUE;

    /** @param ticker the backend's ticker, which times slow starts */
    UsableServers(LongSupplier ticker) {
        this.ticker = ticker;
    }

    /** A server's health, admin state or weight changed, or the servers did: made again at the next pick. */
    void changed() {
        stale = true;
    }

    /**
     * Picks one of the usable {@code servers} with {@code balancer}: one with a free slot and not
     * in {@code exclude}; null when there is none.
     */
    Server pick(List<Server> servers, Balancer balancer, byte[] clientKey, Set<Server> exclude) {
        Lineup<Server> l = lineup(servers);
        if (l.isEmpty()) {
            return null;
        }
        unavailable.exclude = exclude;
        Server s;
        if (l.size() == 1) {
            Server only = l.get(0);
            s = unavailable.test(only) ? null : only;
        } else {
            s = balancer.pick(l, clientKey, unavailable);
        }
        unavailable.exclude = Set.of();
        return s;
    }

    /** Whether one of the usable {@code servers} is not in {@code exclude}, full or not. */
    boolean any(List<Server> servers, Set<Server> exclude) {
        Lineup<Server> l = lineup(servers);
        if (exclude.isEmpty()) {
            return !l.isEmpty();
        }
        for (int i = 0; i < l.size(); i++) {
            if (!exclude.contains(l.get(i))) {
                return true;
            }
        }
        return false;
    }

    private Lineup<Server> lineup(List<Server> servers) {
        if (stale || (nextStep != Long.MAX_VALUE && ticker.getAsLong() >= nextStep)) {
            make(servers);
        }
        return lineup;
    }

    private void make(List<Server> servers) {
        // First: a change from now on is seen by the next pick, whatever this one reads.
        stale = false;
        boolean ramping = false;
        for (Server s : servers) {
            ramping |= s.ramping();
        }
        long now = ramping ? ticker.getAsLong() : Server.NOT_READ;
        List<Server> primaries = new ArrayList<>();
        List<Server> backups = new ArrayList<>();
        for (Server s : servers) {
            if (s.usable()) {
                (s.backup() ? backups : primaries).add(s);
            }
        }
        List<Server> chosen = primaries.isEmpty() ? backups : primaries;
        List<Server> kept = new ArrayList<>(chosen.size());
        int[] weights = new int[chosen.size()];
        long next = Long.MAX_VALUE;
        for (Server s : chosen) {
            int w = s.weightAt(now);
            if (w > 0) { // 0: its weight was set to 0 meanwhile, and the next pick makes a lineup again
                weights[kept.size()] = w;
                kept.add(s);
                next = Math.min(next, s.nextWeightStep(now));
            }
        }
        lineup = Lineup.of(kept, Arrays.copyOf(weights, kept.size()));
        nextStep = next;
    }

    /** A server the current pick may not use: full, or already tried by a retry. */
    private static final class Unavailable implements Predicate<Server> {
        Set<Server> exclude = Set.of();

        @Override
        public boolean test(Server s) {
            return s.full() || (!exclude.isEmpty() && exclude.contains(s));
        }
    }
}
