package org.tandemlb.admin.cluster;

import org.tandemlb.admin.config.ClusterSettings;
import org.tandemlb.admin.config.TandemConfig;
import org.tandemlb.admin.config.VipSettings;
import org.tandemlb.cluster.ClusterConfig;
import org.tandemlb.cluster.ClusterStack;
import org.tandemlb.cluster.VipConfig;

/**
 * Turns the config file's {@code cluster} section into lb-cluster's {@link ClusterConfig}: lb-cluster
 * knows nothing of YAML or of lb-admin, as lb-core does not.
 */
public final class ClusterSetup {

    private ClusterSetup() {
    }

    /** The cluster configuration of {@code config}, which must have a {@code cluster} section. */
    public static ClusterConfig clusterConfig(TandemConfig config) {
        ClusterSettings c = config.cluster();
        if (c == null) {
            throw new IllegalArgumentException("the configuration has no cluster section");
        }
        ClusterConfig.Builder b = ClusterConfig.builder(config.node(), c.bind(), c.secret())
                .name(c.name())
                .peers(c.peers())
                .priority(c.priority())
                .preempt(c.preempt())
                .tiebreaker(c.tiebreaker())
                .profile(ClusterStack.Profile.named(c.timings()));
        for (VipSettings v : c.vips()) {
            b.vip(vip(v));
        }
        return b.build();
    }

    static VipConfig vip(VipSettings v) {
        VipConfig.Driver driver = switch (v.driver()) {
            case LINUX -> VipConfig.Driver.LINUX;
            case BIND -> VipConfig.Driver.BIND;
            case SCRIPT -> VipConfig.Driver.SCRIPT;
        };
        return new VipConfig(v.ip(), v.prefixLength(), v.iface(), driver, v.onActive(), v.onStandby());
    }
}
