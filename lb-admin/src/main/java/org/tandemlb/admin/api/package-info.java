/**
 * The admin HTTP server (docs/admin-api.md): the API ({@code GET /api/v1/status},
 * {@code POST /api/v1/backends/{backend}/servers/{server}}, {@code POST /api/v1/reload},
 * {@code GET /api/v1/events}, {@code GET /api/v1/history}),
 * {@code GET /metrics} in the Prometheus text format, {@code GET /healthz} and the live status
 * page at {@code GET /}.
 *
 * <p>{@link org.tandemlb.admin.api.AdminServer} is a small Netty HTTP/1.1 server on one event loop
 * of its own; {@link org.tandemlb.admin.api.AdminHandler} routes and answers (it reads and changes
 * the daemon through {@link org.tandemlb.admin.api.AdminTarget}, which the daemon implements, so
 * that the cluster can apply changes on every node and this package depends on nothing else of
 * the daemon);
 * {@link org.tandemlb.admin.api.StatusDocument} is the status JSON, {@code RecentDocuments} the
 * events and history JSON;
 * {@link org.tandemlb.admin.api.AdminMetrics} the daemon's Prometheus registry with the JVM
 * meters; {@link org.tandemlb.admin.api.ClusterView} what the status shows of the cluster.
 */
package org.tandemlb.admin.api;
