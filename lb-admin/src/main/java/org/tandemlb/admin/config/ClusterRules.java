package org.tandemlb.admin.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.tandemlb.cluster.BgpConfig;
import org.tandemlb.cluster.ClusterConfig;
import org.tandemlb.cluster.ClusterStack;
import org.tandemlb.cluster.VipConfig;
import org.tandemlb.core.config.HostPort;

/**
 * The rules of the {@code cluster} section and its VIPs, read into lb-cluster's
 * {@link ClusterConfig}.
 */
final class ClusterRules {

    /** Four dots-separated groups of 1 to 3 digits; whether each is at most 255 is the caller's check. */
    static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    private static final Pattern IFACE = Pattern.compile("[A-Za-z0-9_.:@-]{1,15}");
    private static final List<String> CLUSTER_KEYS = List.of(
            "name",
            "bind",
            "peers",
            "priority",
            "preempt",
            "preempt_delay",
            "spread",
            "secret",
            "tiebreaker",
            "vips",
            "timings",
            "bgp");
    private static final List<String> BGP_KEYS = List.of("socket", "protocol", "drain");

    private static final List<String> VIP_KEYS =
            List.of("address", "interface", "driver", "on_active", "on_standby", "group");
    private static final List<String> DRIVERS = List.of("linux", "bind", "script", "bgp");
    private static final List<String> TIMINGS = List.of("default", "fast");
    private static final int MAX_PRIORITY = 255;

    private final Problems problems;

    ClusterRules(Problems problems) {
        this.problems = problems;
    }

    /**
     * The {@code cluster} section for node {@code node}, or null when absent or wrong (reported). A
     * bad {@code node} key is reported on its own; the default name then stands in, so that it does
     * not add a problem here.
     */
    ClusterConfig read(Section top, String node) {
        if (!top.has("cluster")) {
            return null;
        }
        Section s = top.section("cluster", CLUSTER_KEYS);
        if (s == null) {
            // "cluster:" with nothing after it is still a cluster section, and an incomplete one.
            if (top.value("cluster") == null) {
                problems.report(
                        top.key("cluster"),
                        "cluster",
                        "is empty: set at least bind, peers and secret, " + "or remove it to run solo");
            }
            return null;
        }
        int before = problems.count();
        String name = s.name("name", "cluster");
        HostPort bind = s.hostPort("bind", false);
        s.required("bind");
        List<HostPort> peers = peers(s);
        Integer priority = s.integer("priority", 0, MAX_PRIORITY);
        Boolean preempt = s.bool("preempt");
        Boolean spread = s.bool("spread");
        Duration preemptDelay = s.duration("preempt_delay", false);
        String secret = s.string("secret");
        if (s.required("secret", "it authenticates and encrypts cluster traffic")
                && secret != null
                && secret.isEmpty()) {
            problems.report(
                    s.scalar("secret"),
                    s.path("secret"),
                    "is empty: cluster.secret is required (it authenticates and encrypts cluster traffic)");
        }
        HostPort tiebreaker = s.hostPort("tiebreaker", false);
        String timings = s.string("timings");
        if (timings != null && !TIMINGS.contains(timings)) {
            problems.report(s.scalar("timings"), s.path("timings"), "'" + timings + "' is not one of default, fast");
        }
        List<VipConfig> vips = vips(s);
        boolean spreading = spread != null ? spread : ClusterConfig.spreadByDefault(vips);
        if (spreading && preempt != null && preempt) {
            problems.report(
                    s.key("preempt"),
                    s.path("preempt"),
                    "has no effect with spread (several VIP groups spread by default): a returning node "
                            + "takes its share back after preempt_delay anyway; remove it, or set spread: false");
        }
        BgpConfig bgp = bgp(s);
        if (problems.count() > before) {
            return null;
        }
        // Unset keys keep the builder's defaults: name tandem, priority 100, no preempt, default timings.
        return problems.build(s.node, s.path, () -> {
            ClusterConfig.Builder b = ClusterConfig.builder(node, bind, secret)
                    .peers(peers)
                    .preempt(preempt != null && preempt)
                    .tiebreaker(tiebreaker);
            if (name != null) {
                b.name(name);
            }
            if (priority != null) {
                b.priority(priority);
            }
            if (timings != null) {
                b.profile(ClusterStack.Profile.named(timings));
            }
            if (spread != null) {
                b.spread(spread);
            }
            if (preemptDelay != null) {
                b.preemptDelay(preemptDelay);
            }
            vips.forEach(b::vip);
            b.bgp(bgp);
            return b.build();
        });
    }

    /** {@code bgp}, optional: BIRD's control socket, the protocol Tandem enables, the drain. */
    private BgpConfig bgp(Section cluster) {
        if (!cluster.has("bgp")) {
            return BgpConfig.DEFAULT;
        }
        Section s = cluster.section("bgp", BGP_KEYS);
        if (s == null) {
            return BgpConfig.DEFAULT;
        }
        int before = problems.count();
        String socket = s.string("socket");
        if (socket != null && !socket.startsWith("/")) {
            problems.report(s.scalar("socket"), s.path("socket"), "'" + socket + "' is not an absolute path");
        }
        String protocol = s.string("protocol");
        if (protocol != null && !BgpConfig.isProtocolName(protocol)) {
            problems.report(
                    s.scalar("protocol"),
                    s.path("protocol"),
                    "'" + protocol + "' is not a BIRD protocol name (a letter, then letters, digits and _)");
        }
        Duration drain = s.duration("drain", false);
        if (drain != null && drain.compareTo(BgpConfig.MAX_DRAIN) > 0) {
            problems.report(s.scalar("drain"), s.path("drain"), "is more than 5m");
        }
        BgpConfig d = BgpConfig.DEFAULT;
        if (problems.count() > before) {
            return d; // reported: the cluster section is not built
        }
        return new BgpConfig(
                socket == null ? d.socket() : socket,
                protocol == null ? d.protocol() : protocol,
                drain == null ? d.drain() : drain);
    }

    /** {@code peers}, required: a list of host:port, at least one. */
    private List<HostPort> peers(Section cluster) {
        List<YamlNode> items = cluster.list("peers");
        if (items == null) {
            if (cluster.value("peers") == null) {
                cluster.missing("peers");
            }
            return List.of();
        }
        if (items.isEmpty()) {
            problems.report(cluster.value("peers"), cluster.path("peers"), "needs at least one host:port");
        }
        return cluster.hostPorts("peers", items, false);
    }

    private List<VipConfig> vips(Section cluster) {
        List<YamlNode> items = cluster.list("vips");
        if (items == null) {
            return List.of();
        }
        Map<String, Integer> seen = new HashMap<>();
        return cluster.items("vips", items, VIP_KEYS, s -> {
            String address = s.string("address");
            if (s.required("address") && address != null) {
                String error = cidrError(address);
                if (error != null) {
                    problems.report(s.scalar("address"), s.path("address"), error);
                } else {
                    Integer first = seen.putIfAbsent(
                            canonical(address.substring(0, address.indexOf('/'))),
                            s.scalar("address").line());
                    if (first != null) {
                        problems.report(
                                s.scalar("address"),
                                s.path("address"),
                                "VIP " + address + " is already listed at line " + first);
                    }
                }
            }
            String iface = s.string("interface");
            if (iface != null && !IFACE.matcher(iface).matches()) {
                problems.report(
                        s.scalar("interface"), s.path("interface"), "'" + iface + "' is not a network interface name");
            }
            VipConfig.Driver driver = s.enumChoice("driver", DRIVERS, VipConfig.Driver.class);
            VipConfig.Driver effective = driver == null ? VipConfig.Driver.LINUX : driver;
            boolean driverBad = driver == null && s.value("driver") != null;
            if (effective == VipConfig.Driver.LINUX && !driverBad) {
                s.required("interface", "the linux driver adds the VIP to it");
            }
            String group = s.name("group", "group");
            if (effective == VipConfig.Driver.BGP && iface != null && !iface.equals("lo")) {
                problems.report(
                        s.scalar("interface"),
                        s.path("interface"),
                        "is lo for driver: bgp (the VIP is a host address on the loopback; leave it out)");
            }
            if (effective == VipConfig.Driver.BGP && group != null) {
                problems.report(
                        s.scalar("group"),
                        s.path("group"),
                        "is not for driver: bgp (every fit node announces a bgp VIP: it is in no group)");
            }
            String onActive = s.string("on_active");
            String onStandby = s.string("on_standby");
            if (!driverBad && effective != VipConfig.Driver.SCRIPT) {
                for (String key : List.of("on_active", "on_standby")) {
                    if (s.has(key)) {
                        problems.report(
                                s.key(key),
                                s.path(key),
                                "is only for driver: script (this VIP's driver is " + effective.configName() + ")");
                    }
                }
            }
            if (effective == VipConfig.Driver.SCRIPT && isBlank(onActive) && isBlank(onStandby)) {
                problems.report(
                        s.key("driver"),
                        s.path("driver"),
                        "the script driver needs on_active and/or " + "on_standby (commands run with /bin/sh -c)");
            }
            return () -> {
                // Run only without a problem: cidrError() accepted the address, an IP literal, a slash
                // and a prefix length.
                int slash = address.indexOf('/');
                return new VipConfig(
                        address.substring(0, slash),
                        Integer.parseInt(address.substring(slash + 1)),
                        effective == VipConfig.Driver.BGP ? "lo" : iface,
                        effective,
                        onActive,
                        onStandby,
                        group == null ? VipConfig.DEFAULT_GROUP : group);
            };
        });
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    /**
     * Why an IPv6 literal cannot be a VIP, or null: neighbours reach a VIP by neighbour discovery,
     * so it is a unicast address of a global or unique-local prefix.
     */
    private static String unusableIpv6(String text, InetAddress address) {
        if (address instanceof Inet4Address) {
            return "'" + text + "' is an IPv4-mapped IPv6 address: write the IPv4 address, such as 203.0.113.10/24";
        }
        String kind = address.isAnyLocalAddress()
                ? "the unspecified address"
                : address.isLinkLocalAddress()
                        ? "a link-local address"
                        : address.isMulticastAddress() ? "a multicast address" : null;
        return kind == null
                ? null
                : "'" + text + "' is " + kind + ": a VIP is a global or unique-local unicast address, such as "
                        + "2001:db8::10/64";
    }

    /** The address in one spelling, so that a VIP written twice differently is caught. */
    private static String canonical(String ip) {
        try {
            return ip.indexOf(':') >= 0 ? InetAddress.getByName("[" + ip + "]").getHostAddress() : ip;
        } catch (UnknownHostException e) {
            return ip; // not reached: cidrError() accepted it
        }
    }

    /** Null when {@code text} is an IPv4 or IPv6 literal with a prefix length; otherwise why not. */
    private static String cidrError(String text) {
        int slash = text.indexOf('/');
        String why = "'" + text + "' is not an IPv4 or IPv6 address with a prefix length, such as 203.0.113.10/24";
        if (slash < 0) {
            return "'" + text + "' needs a prefix length, such as 203.0.113.10/24";
        }
        String ip = text.substring(0, slash);
        String prefix = text.substring(slash + 1);
        int max;
        if (IPV4.matcher(ip).matches()) {
            for (String octet : ip.split("\\.")) {
                if (Integer.parseInt(octet) > 255) {
                    return why;
                }
            }
            max = 32;
        } else if (ip.indexOf(':') >= 0 && ip.matches("[0-9A-Fa-f:.]+")) {
            InetAddress address;
            try {
                // Brackets make the JDK parse an IPv6 literal or fail: it never falls back to DNS.
                address = InetAddress.getByName("[" + ip + "]");
            } catch (UnknownHostException e) {
                return why;
            }
            String unusable = unusableIpv6(text, address);
            if (unusable != null) {
                return unusable;
            }
            max = 128;
        } else {
            return why;
        }
        if (!prefix.matches("\\d{1,3}") || Integer.parseInt(prefix) > max) {
            return "'" + text + "' has a bad prefix length: use 0 to " + max;
        }
        return null;
    }
}
