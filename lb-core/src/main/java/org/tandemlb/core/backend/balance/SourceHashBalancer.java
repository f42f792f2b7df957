package org.tandemlb.core.backend.balance;

import java.util.List;
import java.util.function.Predicate;

/**
 * Source hashing: weighted {@link Rendezvous} hashing of the client's address, so a client keeps
 * its server while that server is usable, on every node with the same servers.
 *
 * <p>Stateless, hence thread-safe.
 */
final class SourceHashBalancer implements Balancer {

    SourceHashBalancer() {}

    @Override
    public <T extends Candidate> T pick(List<T> candidates, byte[] clientKey) {
        return candidates.size() == 1 ? candidates.get(0) : pick(Lineup.of(candidates), clientKey, c -> false);
    }

    @Override
    public <T extends Candidate> T pick(Lineup<T> l, byte[] clientKey, Predicate<? super T> unavailable) {
        int best = Rendezvous.best(l, Rendezvous.keyState(clientKey), unavailable);
        return best < 0 ? null : l.get(best);
    }
}
