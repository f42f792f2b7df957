package org.tandemlb.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.cluster.election.MemberState;

/**
 * What {@link Membership} does with the election's answer for each group ({@link GroupHold}):
 * claims it, releases it, or keeps it a while (a handover); and what the end of a claim or a
 * release changes. It keeps the highest epoch this node has seen, so that each claim's epoch is
 * the latest. Confined to the node's actor thread; the VIP work itself runs on the VIP thread.
 */
final class GroupClaims {
    // Under Membership's name, as before this class was split out of it: the lines operators see
    // and filter on stay the same.
    private static final Logger log = LoggerFactory.getLogger(Membership.class);

    private final String node;
    private final ScheduledExecutorService vipThread;
    private final Readiness readiness;
    /** Runs the election again after so many nanoseconds. */
    private final LongConsumer later;

    private long maxEpoch;

    GroupClaims(String node, ScheduledExecutorService vipThread, Readiness readiness, LongConsumer later) {
        this.node = node;
        this.vipThread = vipThread;
        this.readiness = readiness;
        this.later = later;
    }

    /** The highest epoch of a claim this node has seen or made: what its adverts say. */
    long maxEpoch() {
        return maxEpoch;
    }

    /** An epoch heard from a member. */
    void heard(long epoch) {
        maxEpoch = Math.max(maxEpoch, epoch);
    }

    /**
     * The election's answer for one group ({@code winner}): claims or releases it, or keeps it a
     * while (a handover).
     *
     * @param blocked  whether a claim must wait (news expected from members, a foreign key)
     * @param stopping whether this node is stopping gracefully
     */
    void decide(
            GroupHold g,
            Optional<MemberState> winner,
            MemberState me,
            List<MemberState> members,
            boolean blocked,
            boolean stopping,
            long now) {
        // A member that ranks higher answers for a VIP of the group (DAD): this node lets it go
        // at once and does not claim it for a while, whatever the adverts say.
        boolean standingAside = now - g.standAsideUntil < 0;
        boolean elected =
                !standingAside && winner.isPresent() && winner.get().name().equals(node);
        boolean otherHolding = members.stream().anyMatch(m -> m != me && m.holding(g.name));
        // While its claim is under way too: the claim's own announcements (at 150 ms, 400 ms...)
        // must not be silenced by an election that runs before the claim reports back.
        g.vips.announcing((g.holding || g.claimInFlight) && elected && !stopping);
        boolean othersStartHolding = g.handover.otherHolding(otherHolding, now);
        if (g.holding && elected && othersStartHolding) {
            // Another member holds the group too (a healed partition, a resumed node): it releases
            // on hearing us; meanwhile pull the neighbours back at once.
            log.info("another member also holds group {}: announcing its VIPs again", g.name);
            vipThread.execute(g.vips::announce);
        }
        boolean want;
        if (g.holding) {
            if (elected) {
                want = true;
                g.handover.elected();
            } else {
                // A planned handover (stopping, or a peer now ranks first) is make-before-break
                // where the drivers allow it: the peer claims and announces, then we release.
                // Anything else (tiebreaker lost, a pause) releases at once.
                boolean planned =
                        !standingAside && !g.vips.exclusive() && winner.isPresent() && (stopping || me.ready());
                long keep = g.handover.keepFor(planned, otherHolding, now);
                want = keep >= 0;
                if (want) {
                    later.accept(keep);
                }
            }
        } else {
            g.handover.elected();
            want = elected && !blocked && g.retry.due(now);
        }
        if (want && !g.holding && !g.busy()) {
            g.claimInFlight = true;
            long newEpoch = maxEpoch + 1;
            maxEpoch = newEpoch; // two groups claimed at once get distinct epochs
            log.info(
                    "node {} is elected for group {} ({}): claiming the VIPs {}",
                    node,
                    g.name,
                    describe(members),
                    g.vipNames());
            vipThread.execute(() -> g.vips.claim(newEpoch));
        } else if (!want && g.holding && !g.busy()) {
            g.releaseInFlight = true;
            log.info(
                    "node {} releases group {} ({})",
                    node,
                    g.name,
                    stopping
                            ? "stopping"
                            : winner.map(w -> w.name() + " is elected").orElse("no member is eligible"));
            vipThread.execute(g.vips::release);
        }
    }

    /** A claim ended ({@code ok}: the VIPs are held under {@code newEpoch}). */
    void claimDone(GroupHold g, boolean ok, long newEpoch, long now) {
        g.claimInFlight = false;
        if (ok) {
            // A take-over when some member held the group before (a crash, a handover): not the
            // first claim of a cluster that starts.
            boolean takeover = g.everHeld;
            g.everHeld = true;
            g.holding = true;
            g.epoch = newEpoch;
            maxEpoch = Math.max(maxEpoch, newEpoch);
            g.retry.succeeded();
            if (takeover) {
                g.failovers.incrementAndGet();
            }
            log.info("node {} is ACTIVE for group {}: holds {}", node, g.name, g.vipNames());
        } else {
            if (g.retry.failed(now)) {
                log.error(
                        "node {} could not take group {} {} times: standing aside for {}s",
                        node,
                        g.name,
                        ClaimRetry.MAX_FAILURES,
                        TimeUnit.NANOSECONDS.toSeconds(ClaimRetry.BACKOFF));
                // The whole node: its adverts say it is not ready, so a peer takes the group.
                readiness.standAsideUntil(now + ClaimRetry.BACKOFF);
            }
            later.accept(ClaimRetry.RETRY);
        }
    }

    /** A release ended; {@code standby}: the node holds no group now. */
    void releaseDone(GroupHold g, boolean standby) {
        g.releaseInFlight = false;
        g.dropped();
        log.info("node {} released group {}{}", node, g.name, standby ? ": STANDBY" : "");
    }

    private static String describe(List<MemberState> members) {
        List<String> parts = new ArrayList<>();
        for (MemberState m : members) {
            parts.add(m.name() + " priority " + m.priority() + (m.ready() ? "" : " not ready")
                    + (m.serversUp() ? "" : " no server up")
                    + (m.holding() ? " holding " + m.holds().keySet() : ""));
        }
        return String.join(", ", parts);
    }
}
