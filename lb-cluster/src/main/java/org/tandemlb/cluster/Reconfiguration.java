package org.tandemlb.cluster;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.tandemlb.cluster.vip.BindVipDriver;
import org.tandemlb.cluster.vip.BirdSpeaker;
import org.tandemlb.cluster.vip.CommandRunner;
import org.tandemlb.cluster.vip.VipDriver;

/**
 * A reload of the cluster section, checked and prepared before anything changes (docs/cluster.md,
 * "Reloading the cluster section"): which keys wait for a restart, the drivers of the VIPs new or
 * changed (prepared, or only checked when this node may hold their address under its former
 * settings), the peers resolved, the tiebreaker probed once, the {@code bgp} VIPs' speaker
 * checked. {@link ClusterNode#apply(org.tandemlb.core.config.LoadBalancerConfig, ClusterConfig)}
 * applies it once the load balancer has taken its own part.
 *
 * @param config      what runs from now on: the new section, with the restart-only keys of the
 *                    configuration the node started with
 * @param restart     the keys that changed but wait for a restart, each with why
 * @param fresh       the drivers of the elected VIPs new or changed, by VIP
 * @param peers       the peers' cluster addresses, resolved
 * @param tiebreaker  the tiebreaker, probed once; null without one
 * @param speaker     the {@code bgp} VIPs' speaker when they or the {@code bgp} section changed and
 *                    some remain; null otherwise
 * @param bgpChanged  whether the {@code bgp} VIPs, the {@code bgp} section or the peers (the quorum) changed
 */
record Reconfiguration(
        ClusterConfig config,
        List<String> restart,
        Map<VipConfig, VipDriver> fresh,
        List<InetSocketAddress> peers,
        Tiebreaker tiebreaker,
        BirdSpeaker speaker,
        boolean bgpChanged) {

    /**
     * Checks and prepares {@code next} against {@code running} (what runs now) and {@code
     * started} (what the node started with). Blocks (commands, a connect to the tiebreaker): call
     * it off the actor and the event loops.
     *
     * @param driver      makes the driver of an elected VIP
     * @param anycastNow  whether {@code bgp} VIPs are announced by this node now (then a new speaker
     *                    is only checked: the routes stay announced)
     * @throws ClusterException when a peer's address does not resolve
     * @throws org.tandemlb.cluster.vip.VipException when a new VIP's driver or BIRD lacks what it needs
     */
    static Reconfiguration prepare(
            ClusterConfig started,
            ClusterConfig running,
            ClusterConfig next,
            Function<VipConfig, VipDriver> driver,
            boolean anycastNow,
            CommandRunner runner,
            LongSupplier ticker) {
        ClusterConfig config = new ClusterConfig(
                started.node(),
                started.name(),
                started.bind(),
                next.peers(),
                next.priority(),
                next.preempt(),
                started.secret(),
                next.tiebreaker(),
                next.vips(),
                next.profile(),
                next.spread(),
                next.preemptDelay(),
                next.bgp());
        List<InetSocketAddress> peers = new ArrayList<>();
        for (var p : config.peers()) {
            try {
                peers.add(new InetSocketAddress(InetAddress.getByName(p.host()), p.port()));
            } catch (UnknownHostException e) {
                throw new ClusterException("cluster.peers: cannot resolve " + p.host() + ": " + e.getMessage(), e);
            }
        }
        Set<String> runningAddresses = new HashSet<>();
        running.vips().forEach(v -> runningAddresses.add(v.ip()));
        Map<VipConfig, VipDriver> fresh = new LinkedHashMap<>();
        for (VipConfig v : config.vips()) {
            if (v.elected() && !running.vips().contains(v)) {
                VipDriver d = driver.apply(v);
                // A bind VIP is prepared once the load balancer has the new frontends (ClusterNode).
                if (!(d instanceof BindVipDriver)) {
                    if (runningAddresses.contains(v.ip())) {
                        d.check(); // its address may be held now, under its former settings
                    } else {
                        d.prepare();
                    }
                }
                fresh.put(v, d);
            }
        }
        Tiebreaker tiebreaker = null;
        if (config.tiebreaker() != null) {
            tiebreaker = new Tiebreaker(
                    config.tiebreaker(), 300, config.profile().staleAfter().toNanos(), ticker);
            tiebreaker.probe();
        }
        List<VipConfig> bgp = bgpVips(config);
        boolean bgpChanged = !bgp.equals(bgpVips(running))
                || !config.bgp().equals(running.bgp())
                || !config.peers().equals(running.peers());
        BirdSpeaker speaker = null;
        if (!bgp.isEmpty() && bgpChanged) {
            speaker =
                    new BirdSpeaker(bgp, config.bgp(), runner, config.profile().lease());
            if (anycastNow) {
                speaker.check();
            } else {
                speaker.prepare();
            }
        }
        return new Reconfiguration(config, restartOnly(started, next), fresh, peers, tiebreaker, speaker, bgpChanged);
    }

    /** The {@code bgp} VIPs of {@code config}, in configuration order. */
    static List<VipConfig> bgpVips(ClusterConfig config) {
        return config.vips().stream().filter(v -> !v.elected()).toList();
    }

    /**
     * The keys of {@code next} that differ from {@code started} and wait for a restart, each with
     * why: the node's own cluster address, its name, the cluster's name and secret (the channel is
     * bound, named and keyed with them), and JGroups' failure-detection timings.
     */
    static List<String> restartOnly(ClusterConfig started, ClusterConfig next) {
        List<String> keys = new ArrayList<>();
        if (!started.node().equals(next.node())) {
            keys.add("node (this node's name in the cluster)");
        }
        if (!started.bind().equals(next.bind())) {
            keys.add("cluster.bind (the cluster port is bound at start)");
        }
        if (!started.name().equals(next.name())) {
            keys.add("cluster.name (the cluster joined at start)");
        }
        if (!Objects.equals(started.secret(), next.secret())) {
            keys.add("cluster.secret (the key of the cluster traffic; change it on every node, then restart them)");
        }
        if (!started.profile().equals(next.profile())) {
            keys.add("cluster.timings (JGroups' failure detection; the adverts use the new timings at once)");
        }
        return List.copyOf(keys);
    }
}
