package org.tandemlb.cluster;

import java.time.Duration;
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
 * @param vips       the virtual IPs, each in its group
 * @param profile    the failure-detection timings
 * @param spread     whether the VIP groups are spread over the members (else every group goes to the
 *                   highest priority); the builder's default: true when there is more than one group
 * @param preemptDelay how long a member must have been ready before it takes a group from a live
 *                   holder (spreading back, or {@code preempt}); the builder's default: 30 s with
 *                   {@code spread}, 0 without (preemption as soon as the higher priority is ready)
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
        boolean spread,
        Duration preemptDelay,
        BgpConfig bgp) {

    /** The default {@code preempt_delay} with {@code spread}. */
    public static final Duration SPREAD_PREEMPT_DELAY = Duration.ofSeconds(30);

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
        Objects.requireNonNull(preemptDelay, "preemptDelay");
        if (preemptDelay.isNegative()) {
            throw new IllegalArgumentException("preempt_delay " + preemptDelay + " is negative");
        }
    }

    /**
     * The VIP groups, in name order; {@value VipConfig#DEFAULT_GROUP} alone when no VIP names one
     * (and when there are no elected VIPs). {@code bgp} VIPs are in no group: every fit node
     * announces them.
     */
    public List<String> groups() {
        List<String> g = vips.stream()
                .filter(VipConfig::elected)
                .map(VipConfig::group)
                .distinct()
                .sorted()
                .toList();
        return g.isEmpty() ? List.of(VipConfig.DEFAULT_GROUP) : g;
    }

    /** Whether {@code vips} are spread when {@code spread} is not set: when they form more than one group. */
    public static boolean spreadByDefault(List<VipConfig> vips) {
        return vips.stream()
                        .filter(VipConfig::elected)
                        .map(VipConfig::group)
                        .distinct()
                        .count()
                > 1;
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
                + ", profile=" + profile.name() + ", spread=" + spread + ", preemptDelay=" + preemptDelay + ", bgp="
                + bgp + "]";
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
        private Boolean spread;
        private Duration preemptDelay;
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

        /** Whether the groups are spread over the members (default: when there is more than one group). */
        public Builder spread(boolean s) {
            spread = s;
            return this;
        }

        /** See {@link ClusterConfig#preemptDelay()} (default: 30 s with spread, 0 without). */
        public Builder preemptDelay(Duration d) {
            preemptDelay = Objects.requireNonNull(d);
            return this;
        }

        /** How the {@code bgp} VIPs are announced (default: {@link BgpConfig#DEFAULT}). */
        public Builder bgp(BgpConfig b) {
            bgp = Objects.requireNonNull(b);
            return this;
        }

        public ClusterConfig build() {
            boolean s = spread != null ? spread : spreadByDefault(vips);
            Duration delay = preemptDelay != null ? preemptDelay : s ? SPREAD_PREEMPT_DELAY : Duration.ZERO;
            return new ClusterConfig(
                    node, name, bind, peers, priority, preempt, secret, tiebreaker, vips, profile, s, delay, bgp);
        }
    }
}
