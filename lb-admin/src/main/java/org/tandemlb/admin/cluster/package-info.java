/**
 * The daemon's side of the cluster: the {@code cluster} section turned into lb-cluster's
 * configuration, and the cluster's live view for the status API. The daemon
 * ({@link org.tandemlb.admin.Daemon}) starts the {@link org.tandemlb.cluster.ClusterNode} after
 * its load balancer, hands reloads and runtime server changes to it, and stops it first on
 * SIGTERM so that the peer takes the VIPs over before this node stops accepting.
 */
package org.tandemlb.admin.cluster;
