package org.tandemlb.core.config;

import io.netty.util.NetUtil;
import java.util.Arrays;
import java.util.List;

/**
 * An IPv4 or IPv6 network in CIDR notation ({@code 10.0.0.0/8}, {@code 2001:db8::/32}; a bare
 * address is a network of one). An IPv4 client reaching an IPv6 socket as an IPv4-mapped address
 * ({@code ::ffff:10.1.2.3}) is matched as the IPv4 address it is.
 */
public final class Cidr {
    private final String text;
    private final byte[] network;
    private final int prefix;

    private Cidr(String text, byte[] network, int prefix) {
        this.text = text;
        this.network = network;
        this.prefix = prefix;
    }

    /**
     * Parses {@code text}: an address literal (never a host name: nothing is resolved) with an
     * optional {@code /prefix}; the bits past the prefix must be zero, so that a typo such as
     * {@code 10.1.2.3/8} is caught rather than read as {@code 10.0.0.0/8}.
     *
     * @throws IllegalArgumentException when it is not such a network
     */
    public static Cidr parse(String text) {
        String t = text.trim();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(addr);
        if (bytes == null) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 or IPv6 address or network (CIDR)");
        }
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            String p = t.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("'" + text + "': the prefix length must be a number");
            }
            prefix = Integer.parseInt(p);
            if (prefix > max) {
                throw new IllegalArgumentException("'" + text + "': the prefix length must be at most " + max);
            }
        }
        for (int bit = prefix; bit < max; bit++) {
            if ((bytes[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
                throw new IllegalArgumentException("'" + text + "' has bits set past its prefix /" + prefix
                        + " (did you mean " + NetUtil.bytesToIpAddress(mask(bytes, prefix)) + "/" + prefix + "?)");
            }
        }
        return new Cidr(t, bytes, prefix);
    }

    private static byte[] mask(byte[] bytes, int prefix) {
        byte[] m = bytes.clone();
        for (int bit = prefix; bit < m.length * 8; bit++) {
            m[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return m;
    }

    /**
     * Whether the address {@code address} (4 or 16 bytes, as {@link java.net.InetAddress#getAddress}
     * gives them; null for none) is in this network.
     */
    public boolean contains(byte[] address) {
        if (address == null) {
            return false;
        }
        byte[] a = address;
        if (a.length == 16 && network.length == 4 && isIpv4Mapped(a)) {
            a = Arrays.copyOfRange(a, 12, 16);
        }
        if (a.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int m = (0xff << (8 - rest)) & 0xff;
        return (a[full] & m) == (network[full] & m);
    }

    /** Whether {@code address} (as {@link #contains} takes it) is in one of {@code networks}. */
    public static boolean anyContains(List<Cidr> networks, byte[] address) {
        // Indexed: a request's check costs no iterator.
        for (int i = 0; i < networks.size(); i++) {
            if (networks.get(i).contains(address)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isIpv4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && prefix == c.prefix && Arrays.equals(network, c.network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefix;
    }

    /** The network as written. */
    @Override
    public String toString() {
        return text;
    }
}
