package org.tandemlb.cluster;

import java.util.concurrent.TimeUnit;

/**
 * The timing of a holder that is no longer elected. A planned handover (the node stops, or a peer
 * now ranks first) is make-before-break where the drivers allow it: the peer claims and announces,
 * both hold for {@link #OVERLAP} so that gratuitous ARP reaches the clients first, then this node
 * releases; it waits at most {@link #LIMIT} for the peer to claim. Anything else releases at once.
 * Also notes since when another member holds the VIPs. Confined to the node's actor thread, like
 * {@link Membership}, which decides with it.
 */
final class Handover {
    /** A planned handover waits at most this long for the peer to claim. */
    static final long LIMIT = TimeUnit.SECONDS.toNanos(3);
    /** Make-before-break: both hold for this long, so gratuitous ARP reaches clients first. */
    static final long OVERLAP = TimeUnit.MILLISECONDS.toNanos(250);

    private long lostElectionAt = -1;
    private long otherHoldingSince = -1;

    /**
     * Notes whether another member holds the VIPs now; returns true when it has just started to
     * (a healed partition, a resumed node, a peer that claims in a handover).
     */
    boolean otherHolding(boolean holds, long now) {
        boolean started = holds && otherHoldingSince < 0;
        otherHoldingSince = holds ? (otherHoldingSince < 0 ? now : otherHoldingSince) : -1;
        return started;
    }

    /** This node is elected, or does not hold: no handover under way. */
    void elected() {
        lostElectionAt = -1;
    }

    /**
     * This node holds but is no longer elected: how long it keeps holding before it decides again,
     * in nanoseconds, or -1 when it releases now.
     *
     * @param planned      whether this is a planned handover (a peer is elected, this node is ready
     *                     or stopping, and its drivers allow two holders at once)
     * @param otherHolding whether another member holds the VIPs now
     */
    long keepFor(boolean planned, boolean otherHolding, long now) {
        if (lostElectionAt < 0) {
            lostElectionAt = now;
        }
        boolean inTime = planned && now - lostElectionAt < LIMIT;
        if (inTime && otherHolding) {
            return now - otherHoldingSince < OVERLAP ? otherHoldingSince + OVERLAP - now : -1;
        }
        return inTime ? lostElectionAt + LIMIT - now : -1;
    }
}
