package org.tandemlb.admin.api;

import java.util.concurrent.CompletableFuture;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.backend.AdminState;
import org.tandemlb.core.backend.Server;

/**
 * What the admin API reads and changes: the running daemon, as the API sees it. The daemon
 * implements it; the API depends on nothing else of the daemon, so that the two can be read and
 * tested apart.
 *
 * <p>The reads are called on the admin server's event loop for every request: they answer from
 * memory, without blocking. The changes return at once with a future.
 */
public interface AdminTarget {

    /** This node's name ({@code node} in the config file). */
    String node();

    /** {@code admin.token}: what a POST must carry as {@code Authorization: Bearer}; empty for none. */
    String adminToken();

    /** The load balancer in force. */
    LoadBalancer loadBalancer();

    /** What the status shows of the cluster. */
    ClusterView cluster();

    /** Whether the daemon is running and not stopping ({@code GET /healthz}). */
    boolean serving();

    /** Whether there is a config file to reload ({@code tandem demo} has none). */
    boolean reloadable();

    /** Reloads the config file, off the caller's thread. */
    CompletableFuture<ReloadResult> requestReload();

    /**
     * Changes a server's admin state and/or weight, on every cluster member. Completes
     * exceptionally with {@link UnknownNameException} for an unknown backend or server and with
     * {@link IllegalArgumentException} for a weight out of range.
     *
     * @param state  the new admin state, or null to leave it
     * @param weight the new weight, or null to leave it
     */
    CompletableFuture<Server> changeServer(String backend, String server, AdminState state, Integer weight);
}
