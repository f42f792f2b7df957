package org.tandemlb.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.NetUtil;
import org.junit.jupiter.api.Test;

class CidrTest {
    private static byte[] ip(String literal) {
        return NetUtil.createByteArrayFromIpAddressString(literal);
    }

    @Test
    void ipv4NetworksContainTheirAddressesOnly() {
        Cidr office = Cidr.parse("10.20.0.0/16");
        assertTrue(office.contains(ip("10.20.0.1")));
        assertTrue(office.contains(ip("10.20.255.255")));
        assertFalse(office.contains(ip("10.21.0.1")));
        assertFalse(office.contains(ip("192.168.1.1")));
        Cidr odd = Cidr.parse("192.168.1.128/25");
        assertTrue(odd.contains(ip("192.168.1.200")));
        assertFalse(odd.contains(ip("192.168.1.127")));
        assertTrue(Cidr.parse("0.0.0.0/0").contains(ip("8.8.8.8")));
    }

    @Test
    void aBareAddressIsANetworkOfOne() {
        Cidr one = Cidr.parse("127.0.0.2");
        assertTrue(one.contains(ip("127.0.0.2")));
        assertFalse(one.contains(ip("127.0.0.3")));
        assertTrue(Cidr.parse("::1").contains(ip("::1")));
    }

    @Test
    void ipv6NetworksAndIpv4MappedClients() {
        Cidr doc = Cidr.parse("2001:db8::/32");
        assertTrue(doc.contains(ip("2001:db8:1::5")));
        assertFalse(doc.contains(ip("2001:db9::5")));
        assertFalse(doc.contains(ip("10.0.0.1")), "another family never matches");
        // An IPv4 client on a dual-stack socket is seen as ::ffff:a.b.c.d.
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(ip("10.20.3.4"), 0, mapped, 12, 4);
        assertTrue(Cidr.parse("10.20.0.0/16").contains(mapped));
        assertFalse(Cidr.parse("10.21.0.0/16").contains(mapped));
        assertFalse(doc.contains(null));
        assertFalse(doc.contains(new byte[0]), "a client without an IP address");
    }

    @Test
    void malformedNetworksAreRefusedWithAReason() {
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("example.com/8"), "never resolved");
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("2001:db8::/129"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/-1"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.1.2.3/8"));
        assertTrue(e.getMessage().contains("did you mean 10.0.0.0/8"), e.getMessage());
        assertEquals(Cidr.parse("10.0.0.0/8"), Cidr.parse(" 10.0.0.0/8"));
    }
}
