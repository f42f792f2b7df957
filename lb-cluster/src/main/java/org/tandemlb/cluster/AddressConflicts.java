package org.tandemlb.cluster;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.cluster.election.MemberState;

/**
 * Another host answers ARP for a VIP. A member of the cluster (known by the hardware addresses in
 * its adverts) holds it too: the two compare as holders (the latest claim, then rank) and the lower
 * one releases. A host outside the cluster: an address conflict the operator must hear of, said at
 * most every 30 s per hardware address. Confined to the node's actor thread, like
 * {@link Membership}, which acts on the answer.
 */
final class AddressConflicts {
    // Under Membership's name, as before this class was split out of it: the lines operators see
    // and filter on stay the same.
    private static final Logger log = LoggerFactory.getLogger(Membership.class);
    private static final long LOG_EVERY = TimeUnit.SECONDS.toNanos(30);

    private final ClusterConfig config;
    private final PeerTable peers;
    private final Map<String, Long> logged = new HashMap<>();

    AddressConflicts(ClusterConfig config, PeerTable peers) {
        this.config = config;
        this.peers = peers;
    }

    /**
     * {@code mac} also answers for {@code vip}: returns whether it is a member that outranks this
     * node's hold, so that this node must release.
     *
     * @param holding whether this node holds the VIP's group
     * @param epoch   the epoch of its hold of that group
     */
    boolean outranked(VipConfig vip, String mac, boolean holding, long epoch, long now) {
        MemberState owner = peers.ownerOf(mac).orElse(null);
        if (owner == null) {
            Long last = logged.get(mac);
            if (last == null || now - last > LOG_EVERY) {
                logged.put(mac, now);
                log.error(
                        "VIP {}: another host ({}) also answers for it: an address conflict outside the cluster",
                        vip.ip(),
                        mac);
            }
            return false;
        }
        if (!holding) {
            return false;
        }
        // It answers, so it holds the VIP: compare as holders of its group (latest claim, then rank).
        String group = vip.group();
        MemberState other =
                new MemberState(owner.name(), owner.priority(), true, true, true, Map.of(group, owner.epoch(group)));
        MemberState me = new MemberState(config.node(), config.priority(), true, true, true, Map.of(group, epoch));
        if (MemberState.holderOrder(group).compare(other, me) < 0) {
            log.warn("VIP {}: node {} also answers for it and ranks higher: releasing", vip.ip(), owner.name());
            return true;
        }
        return false;
    }
}
