package org.tandemlb.admin.config;

import java.util.Locale;
import java.util.Objects;

/**
 * A virtual IP that the active node of the cluster holds (SPEC §5).
 *
 * @param address   the address with its prefix length, {@code 203.0.113.10/24} or
 *                  {@code 2001:db8::10/64}; an IPv4 or IPv6 literal, never a host name
 * @param iface     the network interface to add it to; required by the {@code linux} driver,
 *                  may be null for {@code bind} and {@code script}
 * @param driver    how the VIP is taken and released
 * @param onActive  {@code script} driver: the command run (with {@code /bin/sh -c}) on becoming
 *                  active, or null
 * @param onStandby {@code script} driver: the command run on becoming standby (and at start), or null
 */
public record VipSettings(String address, String iface, Driver driver, String onActive, String onStandby) {

    /** How a node takes and releases a VIP. */
    public enum Driver {
        /** {@code ip addr replace} with a lease, gratuitous ARP, duplicate-address detection. */
        LINUX,
        /** The active node binds the frontends that name the VIP, the standby does not. */
        BIND,
        /** The user's commands run on becoming active and standby. */
        SCRIPT;

        /** The name used in the config file. */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public VipSettings {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(driver, "driver");
        if (driver == Driver.LINUX && (iface == null || iface.isEmpty())) {
            throw new IllegalArgumentException("VIP " + address + ": the linux driver needs an interface");
        }
        if (driver == Driver.SCRIPT && blank(onActive) && blank(onStandby)) {
            throw new IllegalArgumentException("VIP " + address + ": the script driver needs on_active and/or on_standby");
        }
        if (driver != Driver.SCRIPT && !(blank(onActive) && blank(onStandby))) {
            throw new IllegalArgumentException("VIP " + address + ": on_active and on_standby are for the script driver");
        }
    }

    /** A VIP of the {@code linux} or {@code bind} driver (no commands). */
    public VipSettings(String address, String iface, Driver driver) {
        this(address, iface, driver, null, null);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /** The address without its prefix length: {@code 203.0.113.10}. */
    public String ip() {
        return address.substring(0, address.indexOf('/'));
    }

    /** The prefix length: 24 in {@code 203.0.113.10/24}. */
    public int prefixLength() {
        return Integer.parseInt(address.substring(address.indexOf('/') + 1));
    }
}
