package org.tandemlb.admin.daemon;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.admin.api.UnknownNameException;
import org.tandemlb.cluster.ClusterNode;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.backend.AdminState;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.ServerConfig;

/**
 * A change of one server at run time, as the API's {@code POST
 * /api/v1/backends/{backend}/servers/{server}} asks ({@link Daemon#changeServer}): checked, then
 * applied here alone, or through the cluster node, which applies it here at once and sends it to
 * the other members.
 */
final class ServerChange {
    // The daemon's log lines, under its name as before this class was split from it.
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    private ServerChange() {}

    /**
     * Applies the change and returns the server changed.
     *
     * @param running the load balancer; null before the start (every backend is then unknown)
     * @param node    the cluster node; null for a solo node
     * @param state   the new admin state, or null to leave it
     * @param weight  the new weight (0-256), or null to leave it
     * @throws UnknownNameException     for an unknown backend or server
     * @throws IllegalArgumentException for nothing to change or a weight out of 0-256
     */
    static Server apply(
            LoadBalancer running, ClusterNode node, String backend, String server, AdminState state, Integer weight) {
        if (state == null && weight == null) {
            throw new IllegalArgumentException("nothing to change: give a state, a weight or both");
        }
        if (weight != null && (weight < 0 || weight > ServerConfig.MAX_WEIGHT)) {
            throw new IllegalArgumentException("weight " + weight + " is out of range 0-" + ServerConfig.MAX_WEIGHT);
        }
        Backend b = running == null ? null : running.backend(backend);
        if (b == null) {
            throw new UnknownNameException("no backend '" + backend + "'");
        }
        Server s = b.server(server);
        if (s == null) {
            throw new UnknownNameException("backend " + backend + " has no server '" + server + "'");
        }
        if (node != null) {
            node.changeServer(backend, server, state, weight); // here at once, then on every member
            return s;
        }
        if (weight != null && weight != s.targetWeight()) {
            int before = s.targetWeight();
            s.setWeight(weight);
            log.info("server {}/{} weight is now {} (was {})", backend, server, weight, before);
        }
        if (state != null) {
            s.setAdminState(state); // logs the change itself
        }
        return s;
    }
}
