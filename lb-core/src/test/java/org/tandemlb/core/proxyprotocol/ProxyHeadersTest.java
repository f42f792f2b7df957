package org.tandemlb.core.proxyprotocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.config.SendProxy;

/** The headers Tandem writes, byte for byte, and as Netty's decoder (the receiving side) reads them. */
class ProxyHeadersTest {
    private static final UnpooledByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;
    private static final InetSocketAddress CLIENT4 = new InetSocketAddress("192.0.2.7", 51234);
    private static final InetSocketAddress FRONT4 = new InetSocketAddress("198.51.100.1", 443);
    private static final InetSocketAddress CLIENT6 = new InetSocketAddress("2001:db8::7", 51234);

    @Test
    void v1IsTheTextLine() {
        ByteBuf b = ProxyHeaders.header(ALLOC, SendProxy.V1, CLIENT4, FRONT4);
        assertEquals("PROXY TCP4 192.0.2.7 198.51.100.1 51234 443\r\n", b.toString(StandardCharsets.US_ASCII));
        b.release();
    }

    @Test
    void v2IsTheBinaryHeader() {
        ByteBuf b = ProxyHeaders.header(ALLOC, SendProxy.V2, CLIENT4, FRONT4);
        assertEquals(
                "0d0a0d0a000d0a515549540a" + "21" + "11" + "000c" + "c0000207" + "c6336401" + "c822" + "01bb",
                ByteBufUtil.hexDump(b));
        b.release();
        ByteBuf local = ProxyHeaders.v2Local(ALLOC);
        assertEquals("0d0a0d0a000d0a515549540a" + "20" + "00" + "0000", ByteBufUtil.hexDump(local));
        local.release();
    }

    @Test
    void bothVersionsDecodeToTheSameAddresses() {
        for (SendProxy v : new SendProxy[] {SendProxy.V1, SendProxy.V2}) {
            HAProxyMessage m = decode(ProxyHeaders.header(ALLOC, v, CLIENT4, FRONT4));
            assertEquals(
                    v == SendProxy.V1 ? HAProxyProtocolVersion.V1 : HAProxyProtocolVersion.V2, m.protocolVersion());
            assertEquals(new ClientAddresses(CLIENT4, FRONT4), ClientAddresses.carriedBy(m));
            m.release();
        }
    }

    @Test
    void mixedFamiliesAreSentAsIpv6WithTheIpv4AddressMapped() {
        for (SendProxy v : new SendProxy[] {SendProxy.V1, SendProxy.V2}) {
            HAProxyMessage m = decode(ProxyHeaders.header(ALLOC, v, CLIENT6, FRONT4));
            assertEquals(HAProxyProxiedProtocol.TCP6, m.proxiedProtocol());
            ClientAddresses a = ClientAddresses.carriedBy(m);
            assertEquals(CLIENT6, a.source());
            assertEquals(443, a.destination().getPort());
            // ::ffff:198.51.100.1 is read back as the IPv4 address it maps.
            assertEquals("198.51.100.1", a.destination().getAddress().getHostAddress());
            m.release();
        }
    }

    @Test
    void unknownAddressesAreUnknownInV1AndLocalInV2() {
        ByteBuf v1 = ProxyHeaders.header(ALLOC, SendProxy.V1, null, FRONT4);
        assertEquals("PROXY UNKNOWN\r\n", v1.toString(StandardCharsets.US_ASCII));
        HAProxyMessage m1 = decode(v1);
        assertNull(ClientAddresses.carriedBy(m1), "UNKNOWN keeps the connection's own addresses");
        m1.release();
        HAProxyMessage m2 = decode(ProxyHeaders.header(ALLOC, SendProxy.V2, CLIENT4, null));
        assertEquals(HAProxyCommand.LOCAL, m2.command());
        assertNull(ClientAddresses.carriedBy(m2), "LOCAL keeps the connection's own addresses");
        m2.release();
    }

    private static HAProxyMessage decode(ByteBuf header) {
        EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder());
        ch.writeInbound(header);
        HAProxyMessage m = ch.readInbound();
        ch.finishAndReleaseAll();
        return m;
    }
}
