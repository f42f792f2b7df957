package org.tandemlb.core.backend.balance;

import java.util.List;

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
        int size = candidates.size();
        if (size == 1) {
            return candidates.get(0);
        }
        long keyState = Rendezvous.keyState(clientKey);
        T best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < size; i++) {
            T candidate = candidates.get(i);
            double score = Rendezvous.score(keyState, candidate);
            if (score > bestScore) {
                best = candidate;
                bestScore = score;
            }
        }
        return best;
    }
}
