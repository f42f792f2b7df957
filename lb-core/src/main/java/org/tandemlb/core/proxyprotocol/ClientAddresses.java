package org.tandemlb.core.proxyprotocol;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;

/**
 * The two ends of a client connection as the client made it: its source and the address it
 * connected to. Without a PROXY header they are the socket's own; with {@code accept_proxy} they
 * are those the header carries, and everything that uses the client's address (forwarded headers,
 * {@code source} balancing, the access log, the header sent on to servers) takes them from here.
 *
 * @param source      the client's address
 * @param destination the address the client connected to
 */
public record ClientAddresses(InetSocketAddress source, InetSocketAddress destination) {
    /** Set on a client channel whose PROXY header carried addresses. */
    static final AttributeKey<ClientAddresses> KEY = AttributeKey.valueOf(ClientAddresses.class, "proxied");

    /** The addresses of {@code client}: those its PROXY header carried, or the socket's own. */
    public static ClientAddresses of(Channel client) {
        ClientAddresses proxied = client.attr(KEY).get();
        if (proxied != null) {
            return proxied;
        }
        return new ClientAddresses(inet(client.remoteAddress()), inet(client.localAddress()));
    }

    /** The client's address of {@code client} (see {@link #of}), or null when it has none. */
    public static InetSocketAddress source(Channel client) {
        ClientAddresses proxied = client.attr(KEY).get();
        return proxied != null ? proxied.source : inet(client.remoteAddress());
    }

    private static InetSocketAddress inet(Object address) {
        return address instanceof InetSocketAddress isa ? isa : null;
    }
}
