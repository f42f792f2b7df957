/**
 * The daemon's side of the cluster: the cluster's live view for the status API. The config loader
 * reads the {@code cluster} section straight into lb-cluster's
 * {@link org.tandemlb.cluster.ClusterConfig}. The daemon
 * ({@link org.tandemlb.admin.daemon.Daemon}) starts the {@link org.tandemlb.cluster.ClusterNode} after
 * its load balancer, hands reloads and runtime server changes to it, and stops it first on
 * SIGTERM so that the peer takes the VIPs over before this node stops accepting.
 */
package org.tandemlb.admin.cluster;
