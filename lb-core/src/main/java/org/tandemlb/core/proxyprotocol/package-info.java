/**
 * The PROXY protocol (HAProxy's {@code proxy-protocol.txt}, versions 1 and 2): the client
 * addresses a connection's header carried ({@code accept_proxy}; the frontend reads the header),
 * and the headers written first on each connection to a server or health check ({@code send_proxy}).
 */
package org.tandemlb.core.proxyprotocol;
