package org.tandemlb.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.tandemlb.core.config.HostPort;
import org.tandemlb.core.config.Names;

/**
 * The cluster a node belongs to ({@code cluster} in docs/configuration.md; docs/cluster.md). Immutable; build it with
 * {@link #builder}.
 *
 * @param node       this node's name, unique in the cluster ({@code [A-Za-z0-9_.-]+})
 * @param name       the cluster's name; nodes only join a cluster of the same name
 * @param bind       where this node listens for cluster traffic (JGroups TCP)
 * @param peers      every member's cluster address (this node's own may be listed: the same list can
 *                   be copied to every node)
 * @param priority   0 to 255, higher wins the election
 * @param preempt    whether a higher-priority node takes over from a healthy active one
 * @param secret     authenticates and encrypts all cluster traffic; never empty
 * @param tiebreaker an address that must accept a TCP connection for this node to claim or keep the
 *                   VIPs, or null
 * @param vips       the virtual IPs the active node holds
 * @param profile    the failure-detection timings
 * @param bgp        how the {@code bgp} VIPs are announced (BIRD's control socket, the drain)
 */
public record ClusterConfig(
        String node,
        String name,
        HostPort bind,
        List<HostPort> peers,
        int priority,
        boolean preempt,
        String secret,
        HostPort tiebreaker,
        List<VipConfig> vips,
        ClusterStack.Profile profile,
        BgpConfig bgp) {

    public ClusterConfig {
        Objects.requireNonNull(bgp, "bgp");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(profile, "profile");
        Names.require("node", node);
        peers = List.copyOf(peers);
        vips = List.copyOf(vips);
        if (priority < 0 || priority > 255) {
            throw new IllegalArgumentException("priority " + priority + " is out of range 0-255");
        }
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException(
                    "the cluster secret is required: it authenticates and encrypts cluster traffic");
        }
        if (peers.isEmpty()) {
            throw new IllegalArgumentException("the cluster needs at least one peer address");
        }
    }

    /** A builder; {@code secret} is required. */
    public static Builder builder(String node, HostPort bind, String secret) {
        return new Builder(node, bind, secret);
    }

    /** Does not show the secret. */
    @Override
    public String toString() {
        return "ClusterConfig[node=" + node + ", name=" + name + ", bind=" + bind + ", peers=" + peers + ", priority="
                + priority + ", preempt=" + preempt + ", secret=<set>, tiebreaker=" + tiebreaker + ", vips=" + vips
                + ", profile=" + profile.name() + ", bgp=" + bgp + "]";
    }

    /** Builds {@link ClusterConfig}. */
    public static final class Builder {
        private final String node;
        private final HostPort bind;
        private final String secret;
        private String name = "tandem";
        private final List<HostPort> peers = new ArrayList<>();
        private int priority = 100;
        private boolean preempt;
        private HostPort tiebreaker;
        private final List<VipConfig> vips = new ArrayList<>();
        private ClusterStack.Profile profile = ClusterStack.Profile.DEFAULT;
        private BgpConfig bgp = BgpConfig.DEFAULT;

        private Builder(String node, HostPort bind, String secret) {
            this.node = node;
            this.bind = bind;
            this.secret = secret;
        }

        public Builder name(String n) {
            name = Objects.requireNonNull(n);
            return this;
        }

        public Builder peer(HostPort p) {
            peers.add(Objects.requireNonNull(p));
            return this;
        }

        public Builder peers(List<HostPort> ps) {
            ps.forEach(this::peer);
            return this;
        }

        public Builder priority(int p) {
            priority = p;
            return this;
        }

        public Builder preempt(boolean p) {
            preempt = p;
            return this;
        }

        public Builder tiebreaker(HostPort t) {
            tiebreaker = t;
            return this;
        }

        public Builder vip(VipConfig v) {
            vips.add(Objects.requireNonNull(v));
            return this;
        }

        public Builder profile(ClusterStack.Profile p) {
            profile = Objects.requireNonNull(p);
            return this;
        }

        public Builder bgp(BgpConfig b) {
            bgp = Objects.requireNonNull(b);
            return this;
        }

        public ClusterConfig build() {
            return new ClusterConfig(
                    node, name, bind, peers, priority, preempt, secret, tiebreaker, vips, profile, bgp);
        }
    }
}
