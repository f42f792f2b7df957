package org.tandemlb.cluster;

import java.util.concurrent.TimeUnit;

/**
 * When this node may claim the VIPs: not before the start-up settle is over (unless it hears the
 * cluster first), not within an advert interval of a reload that added the group (whatever it
 * hears meanwhile), {@link #RETRY} after a failed claim, and after {@link #MAX_FAILURES} failed
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
    /** Whether the wait until {@link #retryAt} holds whatever is heard (a group added by a reload). */
    private boolean firm;

    /** The node starts: no claim before {@code until}, or before it hears the cluster. */
    void settleUntil(long until) {
        retryAt = until;
    }

    /**
     * A reload added the group: no claim before {@code until}, even if adverts arrive. An advert
     * received just after the reload may have been sent before a peer's own reload (which gave it
     * this group or a higher priority): the peers' next adverts, not the first one heard, say
     * what they are now. keepalived starts a new instance as a backup so.
     */
    void addedUntil(long until) {
        retryAt = until;
        firm = true;
    }

    /** An advert from a member: the start-up settle is over, this node hears the cluster. */
    void heard(long now) {
        if (!firm && retryAt - now > 0 && failures == 0) {
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
        firm = false;
        failures++;
        retryAt = now + RETRY;
        if (failures >= MAX_FAILURES) {
            failures = 0;
            return true;
        }
        return false;
    }
}
