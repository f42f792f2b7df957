package org.tandemlb.cluster;

import java.util.concurrent.TimeUnit;

/**
 * When this node may claim the VIPs: not before the start-up settle is over (unless it hears the
 * cluster first), {@link #RETRY} after a failed claim, and after {@link #MAX_FAILURES} failed
 * claims in a row it stands aside for {@link #BACKOFF}. Confined to the node's actor thread, like
 * {@link Membership}, which decides with it.
 */
final class ClaimRetry {
    /** Consecutive failed claims before this node stands aside for {@link #BACKOFF}. */
    static final int MAX_FAILURES = 10;

    static final long RETRY = TimeUnit.MILLISECONDS.toNanos(200);
    static final long BACKOFF = TimeUnit.SECONDS.toNanos(5);

    private int failures;
    private long retryAt;

    /** The node starts: no claim before {@code until}. */
    void settleUntil(long until) {
        retryAt = until;
    }

    /** An advert from a member: the start-up settle is over, this node hears the cluster. */
    void heard(long now) {
        if (retryAt - now > 0 && failures == 0) {
            retryAt = now;
        }
    }

    /** Whether a claim may start now. */
    boolean due(long now) {
        return now - retryAt >= 0;
    }

    /** A claim succeeded. */
    void succeeded() {
        failures = 0;
    }

    /**
     * A claim failed: the next one waits {@link #RETRY}. Returns true when this was the
     * {@link #MAX_FAILURES}th in a row: the node stands aside for {@link #BACKOFF}, and counts
     * again from zero.
     */
    boolean failed(long now) {
        failures++;
        retryAt = now + RETRY;
        if (failures >= MAX_FAILURES) {
            failures = 0;
            return true;
        }
        return false;
    }
}
