package org.tandemlb.admin.config;

import java.util.List;
import java.util.Objects;
import org.tandemlb.core.config.HostPort;

/**
 * The {@code cluster} section: the other Tandem nodes, the election and the VIPs (SPEC §5).
 *
 * @param name       the cluster's name; nodes only join a cluster of the same name (default {@code tandem})
 * @param bind       where this node listens for cluster traffic
 * @param peers      the static list of members' cluster addresses (this node's own may be included)
 * @param priority   0 to 255, higher wins the election (default 100)
 * @param preempt    whether a returning higher-priority node takes over from a healthy active one
 *                   (default false)
 * @param secret     authenticates and encrypts cluster traffic; never empty
 * @param tiebreaker an address that must answer for a node to claim or keep a VIP, or null
 * @param vips       the virtual IPs the active node holds
 * @param timings    the failure-detection timings: {@code default} or {@code fast}
 */
public record ClusterSettings(String name, HostPort bind, List<HostPort> peers, int priority, boolean preempt,
                              String secret, HostPort tiebreaker, List<VipSettings> vips, String timings) {

    /** The timings choices: JGroups failure detection tuned for SPEC §5, or for a quiet LAN. */
    public static final List<String> TIMINGS = List.of("default", "fast");

    /** The priority of a node that does not set one, as keepalived's. */
    public static final int DEFAULT_PRIORITY = 100;
    /** The highest priority, as VRRP's. */
    public static final int MAX_PRIORITY = 255;

    public ClusterSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bind, "bind");
        peers = List.copyOf(peers);
        if (priority < 0 || priority > MAX_PRIORITY) {
            throw new IllegalArgumentException("priority " + priority + " is out of range 0-" + MAX_PRIORITY);
        }
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("cluster.secret is required");
        }
        vips = List.copyOf(vips);
        Objects.requireNonNull(timings, "timings");
        if (!TIMINGS.contains(timings)) {
            throw new IllegalArgumentException("timings '" + timings + "' is not one of " + TIMINGS);
        }
    }

    /** Settings with the default timings. */
    public ClusterSettings(String name, HostPort bind, List<HostPort> peers, int priority, boolean preempt,
                           String secret, HostPort tiebreaker, List<VipSettings> vips) {
        this(name, bind, peers, priority, preempt, secret, tiebreaker, vips, "default");
    }

    /** Does not show the secret. */
    @Override
    public String toString() {
        return "ClusterSettings[name=" + name + ", bind=" + bind + ", peers=" + peers + ", priority=" + priority
                + ", preempt=" + preempt + ", secret=<set>, tiebreaker=" + tiebreaker + ", vips=" + vips
                + ", timings=" + timings + "]";
    }
}
