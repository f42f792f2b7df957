/**
 * The PROXY protocol (HAProxy's {@code proxy-protocol.txt}, versions 1 and 2): reading the header
 * a load balancer in front puts first on each connection ({@code accept_proxy}), and writing one
 * first on each connection to a server or health check ({@code send_proxy}).
 */
package org.tandemlb.core.proxyprotocol;
