package org.tandemlb.admin.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import org.tandemlb.cluster.ClusterConfig;
import org.tandemlb.core.config.LoadBalancerConfig;

/**
 * Everything the config file says: lb-core's {@link LoadBalancerConfig}, lb-cluster's
 * {@link ClusterConfig} and what only the daemon uses. Produced by {@link ConfigLoader}; immutable.
 *
 * @param node         this node's name (default: the host name, see {@link ConfigLoader})
 * @param admin        the admin API's address and token
 * @param loadBalancer the frontends and backends, for lb-core
 * @param accessLogs   the access log of every frontend, keyed by frontend name (every frontend has
 *                     an entry; {@link AccessLogSettings#DEFAULT} when it sets none)
 * @param cluster      the cluster, for lb-cluster (its {@link ClusterConfig#node() node} is
 *                     {@code node}), or null when the file has no {@code cluster} section (solo node)
 * @param stateFile    where the admin states and weights set at run time are kept across restarts
 *                     ({@code state_file}), or null to keep none
 */
public record TandemConfig(
        String node,
        AdminSettings admin,
        LoadBalancerConfig loadBalancer,
        Map<String, AccessLogSettings> accessLogs,
        ClusterConfig cluster,
        Path stateFile) {

    /** A config without a state file. */
    public TandemConfig(
            String node,
            AdminSettings admin,
            LoadBalancerConfig loadBalancer,
            Map<String, AccessLogSettings> accessLogs,
            ClusterConfig cluster) {
        this(node, admin, loadBalancer, accessLogs, cluster, null);
    }

    public TandemConfig {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(admin, "admin");
        Objects.requireNonNull(loadBalancer, "loadBalancer");
        accessLogs = Map.copyOf(accessLogs);
        if (cluster != null && !cluster.node().equals(node)) {
            throw new IllegalArgumentException(
                    "the cluster's node '" + cluster.node() + "' is not this node '" + node + "'");
        }
    }

    /** The access log of {@code frontend}; {@link AccessLogSettings#DEFAULT} for an unknown name. */
    public AccessLogSettings accessLog(String frontend) {
        return accessLogs.getOrDefault(frontend, AccessLogSettings.DEFAULT);
    }

    /** Whether the node runs alone, without a cluster. */
    public boolean solo() {
        return cluster == null;
    }
}
