package org.tandemlb.core.proxyprotocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.NetUtil;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import org.tandemlb.core.config.SendProxy;

/**
 * Writes PROXY protocol headers ({@code proxy-protocol.txt}): version 1, a text line, and version
 * 2, binary, for TCP over IPv4 or IPv6. {@link ProxyHeaderWriter} puts one first on a connection.
 */
public final class ProxyHeaders {
    /** The v2 signature, section 2.2: {@code \r\n\r\n\0\r\nQUIT\n}. */
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private static final int V2_PROXY = 0x21;
    private static final int V2_LOCAL = 0x20;
    private static final int TCP_OVER_IPV4 = 0x11;
    private static final int TCP_OVER_IPV6 = 0x21;

    private ProxyHeaders() {}

    /**
     * The header of {@code version} for a connection from {@code source} to {@code destination}.
     * When either is unknown, v1 says {@code PROXY UNKNOWN} and v2 is a {@code LOCAL} command
     * (the receiver then keeps the connection's own addresses).
     *
     * @throws IllegalArgumentException for {@link SendProxy#NONE}
     */
    public static ByteBuf header(
            ByteBufAllocator alloc, SendProxy version, InetSocketAddress source, InetSocketAddress destination) {
        boolean known = source != null
                && destination != null
                && source.getAddress() != null
                && destination.getAddress() != null;
        return switch (version) {
            case V1 -> known ? v1(alloc, source, destination) : ascii(alloc, "PROXY UNKNOWN\r\n");
            case V2 -> known ? v2(alloc, source, destination) : v2Local(alloc);
            case NONE -> throw new IllegalArgumentException("no PROXY header for send_proxy none");
        };
    }

    /** A v2 {@code LOCAL} command: the connection is the sender's own (a health check). */
    public static ByteBuf v2Local(ByteBufAllocator alloc) {
        ByteBuf b = alloc.buffer(16);
        b.writeBytes(V2_SIGNATURE).writeByte(V2_LOCAL).writeByte(0).writeShort(0);
        return b;
    }

    private static ByteBuf v1(ByteBufAllocator alloc, InetSocketAddress source, InetSocketAddress destination) {
        InetAddress src = source.getAddress();
        InetAddress dst = destination.getAddress();
        boolean v4 = src instanceof Inet4Address && dst instanceof Inet4Address;
        if (!v4) {
            src = v6(src);
            dst = v6(dst);
        }
        // Section 2.1: "PROXY" SP family SP src SP dst SP sport SP dport CRLF, at most 107 bytes.
        return ascii(
                alloc,
                "PROXY " + (v4 ? "TCP4 " : "TCP6 ") + NetUtil.toAddressString(src) + ' ' + NetUtil.toAddressString(dst)
                        + ' ' + source.getPort() + ' ' + destination.getPort() + "\r\n");
    }

    private static ByteBuf v2(ByteBufAllocator alloc, InetSocketAddress source, InetSocketAddress destination) {
        InetAddress src = source.getAddress();
        InetAddress dst = destination.getAddress();
        boolean v4 = src instanceof Inet4Address && dst instanceof Inet4Address;
        byte[] s = v4 ? src.getAddress() : v6(src).getAddress();
        byte[] d = v4 ? dst.getAddress() : v6(dst).getAddress();
        int length = 2 * s.length + 4;
        ByteBuf b = alloc.buffer(16 + length);
        b.writeBytes(V2_SIGNATURE)
                .writeByte(V2_PROXY)
                .writeByte(v4 ? TCP_OVER_IPV4 : TCP_OVER_IPV6)
                .writeShort(length)
                .writeBytes(s)
                .writeBytes(d)
                .writeShort(source.getPort())
                .writeShort(destination.getPort());
        return b;
    }

    /**
     * {@code a} as an IPv6 address: an IPv4 one mapped ({@code ::ffff:a.b.c.d}), for a header
     * whose two addresses are of different families (both must be of one).
     */
    private static InetAddress v6(InetAddress a) {
        if (!(a instanceof Inet4Address)) {
            return a;
        }
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        System.arraycopy(a.getAddress(), 0, mapped, 12, 4);
        try {
            // Inet6Address.getByAddress: with a literal byte array, no name is looked up.
            return java.net.Inet6Address.getByAddress(null, mapped, null);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // only thrown for an array of a wrong length
        }
    }

    private static ByteBuf ascii(ByteBufAllocator alloc, String line) {
        return alloc.buffer(line.length()).writeBytes(line.getBytes(StandardCharsets.US_ASCII));
    }
}
