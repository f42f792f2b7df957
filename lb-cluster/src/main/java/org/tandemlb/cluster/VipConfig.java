package org.tandemlb.cluster;

import java.net.InetAddress;
import java.util.Locale;
import java.util.Objects;

/**
 * A virtual IP held by the active node of the cluster (docs/cluster.md).
 *
 * @param ip           the address, an IPv4 or IPv6 literal ({@code 203.0.113.10})
 * @param prefixLength the prefix length written in the configuration; the {@code linux} driver adds
 *                     the address as a host address ({@code /32} or {@code /128}) all the same, so
 *                     that holding a VIP never adds a route
 * @param iface        the network interface, required by {@link Driver#LINUX}; {@code lo} for
 *                     {@link Driver#BGP}; else may be null
 * @param driver       how the VIP is taken and released
 * @param onActive     {@link Driver#SCRIPT}: the command run (with {@code /bin/sh -c}) on becoming active
 * @param onStandby    {@link Driver#SCRIPT}: the command run on becoming standby (and at start)
 * @param group        the VIP group it belongs to ({@code [A-Za-z0-9_.-]+}): each group is elected on its own
 *                     and its VIPs move together; {@value #DEFAULT_GROUP} when none is named
 */
public record VipConfig(
        String ip, int prefixLength, String iface, Driver driver, String onActive, String onStandby, String group) {

    /** The group of the VIPs that name none. */
    public static final String DEFAULT_GROUP = "default";

    /** How a node takes and releases a VIP. */
    public enum Driver {
        /** {@code ip addr replace} with a lease, gratuitous ARP or neighbour advertisements, DAD. */
        LINUX,
        /** The active node binds the frontends that name the VIP; the standby does not. */
        BIND,
        /** The user's commands run on becoming active and standby. */
        SCRIPT,
        /**
         * Every healthy node holds the VIP on its loopback and announces it to the site's router
         * through BIRD (ECMP); no election.
         */
        BGP;

        /** The name used in configuration files. */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public VipConfig {
        Objects.requireNonNull(ip, "ip");
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(group, "group");
        if (!group.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("VIP " + ip + ": group '" + group + "' is not [A-Za-z0-9_.-]+");
        }
        if (driver == Driver.BGP && !group.equals(DEFAULT_GROUP)) {
            throw new IllegalArgumentException(
                    "VIP " + ip + ": a bgp VIP is in no group (every fit node announces it): remove its group");
        }
        if (ip.isEmpty() || !(Character.digit(ip.charAt(0), 16) >= 0 || ip.charAt(0) == ':')) {
            throw new IllegalArgumentException("VIP '" + ip + "' is not an IP address");
        }
        int max = ip.indexOf(':') >= 0 ? 128 : 32;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException(
                    "VIP " + ip + ": prefix length " + prefixLength + " is out of range 0-" + max);
        }
        if (driver == Driver.LINUX && (iface == null || iface.isEmpty())) {
            throw new IllegalArgumentException("VIP " + ip + ": the linux driver needs an interface");
        }
        if (driver == Driver.SCRIPT && isBlank(onActive) && isBlank(onStandby)) {
            throw new IllegalArgumentException("VIP " + ip + ": the script driver needs on_active and/or on_standby");
        }
    }

    /** A VIP in the {@value #DEFAULT_GROUP} group. */
    public VipConfig(String ip, int prefixLength, String iface, Driver driver, String onActive, String onStandby) {
        this(ip, prefixLength, iface, driver, onActive, onStandby, DEFAULT_GROUP);
    }

    /** Whether the VIP is elected (held by one node, in its group): every driver but {@code bgp}. */
    public boolean elected() {
        return driver != Driver.BGP;
    }

    /** This VIP in {@code group}. */
    public VipConfig inGroup(String group) {
        return new VipConfig(ip, prefixLength, iface, driver, onActive, onStandby, group);
    }

    /** A VIP for the {@code bind} driver. */
    public static VipConfig bind(String ip) {
        return new VipConfig(ip, ip.indexOf(':') >= 0 ? 128 : 32, null, Driver.BIND, null, null);
    }

    /** A VIP for the {@code linux} driver on {@code iface}. */
    public static VipConfig linux(String ip, int prefixLength, String iface) {
        return new VipConfig(ip, prefixLength, iface, Driver.LINUX, null, null);
    }

    /** A VIP for the {@code bgp} driver: a host address on {@code lo}, announced through BIRD. */
    public static VipConfig bgp(String ip) {
        return new VipConfig(ip, ip.indexOf(':') >= 0 ? 128 : 32, "lo", Driver.BGP, null, null);
    }

    /** A VIP for the {@code script} driver. */
    public static VipConfig script(String ip, String iface, String onActive, String onStandby) {
        return new VipConfig(ip, ip.indexOf(':') >= 0 ? 128 : 32, iface, Driver.SCRIPT, onActive, onStandby);
    }

    /** {@code 203.0.113.10/24}, as written in the configuration. */
    public String cidr() {
        return ip + "/" + prefixLength;
    }

    /** Whether {@code host} (a literal address) is this VIP. Names are not resolved. */
    public boolean matches(String host) {
        if (host == null) {
            return false;
        }
        if (host.equals(ip)) {
            return true;
        }
        try {
            return isLiteral(host) && InetAddress.getByName(host).equals(InetAddress.getByName(ip));
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private static boolean isLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || Character.isDigit(c));
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
