package org.tandemlb.core.proxyprotocol;

import io.netty.channel.Channel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.AttributeKey;
import io.netty.util.NetUtil;
import java.net.InetAddress;
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
    private static final AttributeKey<ClientAddresses> KEY = AttributeKey.valueOf(ClientAddresses.class, "proxied");

    /** Records the addresses the PROXY header of {@code client} carried: they are its addresses from now on. */
    public static void attach(Channel client, ClientAddresses carried) {
        client.attr(KEY).set(carried);
    }

    /** The addresses of {@code client}: those its PROXY header carried, or the socket's own. */
    public static ClientAddresses of(Channel client) {
        ClientAddresses proxied = carried(client);
        if (proxied != null) {
            return proxied;
        }
        return new ClientAddresses(inet(client.remoteAddress()), inet(client.localAddress()));
    }

    /** The client's address of {@code client} (see {@link #of}), or null when it has none. */
    public static InetSocketAddress source(Channel client) {
        ClientAddresses proxied = carried(client);
        return proxied != null ? proxied.source : inet(client.remoteAddress());
    }

    /** The addresses a PROXY header gave the connection; an HTTP/2 stream's are its connection's. */
    private static ClientAddresses carried(Channel client) {
        ClientAddresses own = client.attr(KEY).get();
        return own != null || client.parent() == null
                ? own
                : client.parent().attr(KEY).get();
    }

    private static InetSocketAddress inet(Object address) {
        return address instanceof InetSocketAddress isa ? isa : null;
    }

    /**
     * The addresses a PROXY header carries, or null when it carries none that stand for the
     * connection's own ({@code PROXY UNKNOWN}, the v2 {@code LOCAL} command, UNIX sockets).
     */
    public static ClientAddresses carriedBy(HAProxyMessage header) {
        if (header.command() != HAProxyCommand.PROXY) {
            return null;
        }
        HAProxyProxiedProtocol.AddressFamily family = header.proxiedProtocol().addressFamily();
        if (family != HAProxyProxiedProtocol.AddressFamily.AF_IPv4
                && family != HAProxyProxiedProtocol.AddressFamily.AF_IPv6) {
            return null;
        }
        // The decoder has checked both are IP literals; NetUtil parses them without a look-up.
        InetAddress src = NetUtil.createInetAddressFromIpAddressString(header.sourceAddress());
        InetAddress dst = NetUtil.createInetAddressFromIpAddressString(header.destinationAddress());
        if (src == null || dst == null) {
            return null;
        }
        return new ClientAddresses(
                new InetSocketAddress(src, header.sourcePort()), new InetSocketAddress(dst, header.destinationPort()));
    }
}
