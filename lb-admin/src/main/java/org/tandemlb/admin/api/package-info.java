/**
 * The admin HTTP server (SPEC §6): the API ({@code GET /api/v1/status},
 * {@code POST /api/v1/backends/{backend}/servers/{server}}, {@code POST /api/v1/reload}),
 * {@code GET /metrics} in the Prometheus text format, {@code GET /healthz} and the live status
 * page at {@code GET /}.
 *
 * <p>{@link org.tandemlb.admin.api.AdminServer} is a small Netty HTTP/1.1 server on one event loop
 * of its own; {@link org.tandemlb.admin.api.AdminHandler} routes and answers (mutations go through
 * {@link org.tandemlb.admin.Daemon}, so that the cluster can apply them on every node);
 * {@link org.tandemlb.admin.api.StatusDocument} is the status JSON;
 * {@link org.tandemlb.admin.api.AdminMetrics} the daemon's Prometheus registry with the JVM
 * meters; {@link org.tandemlb.admin.api.ClusterView} what the status shows of the cluster.
 */
package org.tandemlb.admin.api;
