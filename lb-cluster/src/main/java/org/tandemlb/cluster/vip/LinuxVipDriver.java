package org.tandemlb.cluster.vip;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.cluster.VipConfig;

/**
 * The {@code linux} driver: the VIP is a host address ({@code /32}, {@code /128}) on an interface,
 * added with a lease so that the kernel removes it by itself when this node stops renewing it (a
 * crash, a frozen VM), announced to the neighbours (gratuitous ARP; unsolicited neighbour
 * advertisements for IPv6), and guarded by duplicate-address detection.
 *
 * <ul>
 * <li>claim: {@code ip addr replace VIP/32 dev IF valid_lft L preferred_lft L} (IPv6: {@code
 * VIP/128 ... nodad}: the kernel's own DAD would keep the address unusable for a second, and the
 * driver runs its own beforehand)</li>
 * <li>renew: the same, while active</li>
 * <li>announce: {@code arping -U -S VIP -i IF -c 1 VIP}; IPv6: {@code ndptool send -t na -U -T VIP
 * -i IF}, an unsolicited neighbour advertisement to all nodes with the override flag and this
 * interface's MAC (the node repeats it over two seconds)</li>
 * <li>DAD: {@code arping -0 -i IF -c 1 -C 1 -w T -r VIP} lists the MAC addresses that answer; IPv6:
 * {@code ndisc6 -1 -q -n -r 1 -w T VIP IF}, a neighbour solicitation for the VIP</li>
 * <li>release: {@code ip addr del VIP/32 dev IF}</li>
 * </ul>
 * It needs {@code ip} (iproute2), for IPv4 {@code arping} (Debian's arping package), for IPv6
 * {@code ndisc6} (ndisc6) and {@code ndptool} (libndp-tools), and the capabilities CAP_NET_ADMIN and
 * CAP_NET_RAW; {@link #prepare} says clearly which one is missing.
 */
public final class LinuxVipDriver implements VipDriver {
    private static final Logger log = LoggerFactory.getLogger(LinuxVipDriver.class);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
    private static final Pattern MAC = Pattern.compile("([0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5})");
    private static final int CAP_NET_ADMIN = 12;
    private static final int CAP_NET_RAW = 13;

    private final VipConfig vip;
    private final CommandRunner runner;
    private final long leaseSeconds;
    private final Duration dadWait;
    private final boolean checkCapabilities;
    private String ip = "ip";
    private String arping = "arping";
    private String ndisc6 = "ndisc6";
    private String ndptool = "ndptool";
    private volatile String mac;

    /**
     * @param lease   the address lifetime (whole seconds, at least 1)
     * @param dadWait how long duplicate-address detection waits for answers
     */
    public LinuxVipDriver(VipConfig vip, CommandRunner runner, Duration lease, Duration dadWait) {
        this(vip, runner, lease, dadWait, true);
    }

    LinuxVipDriver(VipConfig vip, CommandRunner runner, Duration lease, Duration dadWait, boolean checkCapabilities) {
        if (vip.driver() != VipConfig.Driver.LINUX) {
            throw new IllegalArgumentException("not a linux VIP: " + vip);
        }
        this.vip = vip;
        this.runner = runner;
        this.leaseSeconds = Math.max(1, lease.toSeconds());
        this.dadWait = dadWait;
        this.checkCapabilities = checkCapabilities;
    }

    @Override
    public VipConfig vip() {
        return vip;
    }

    private String where() {
        return "VIP " + vip.ip() + " on " + vip.iface();
    }

    private String hostCidr() {
        return vip.ip() + (vip.ip().indexOf(':') >= 0 ? "/128" : "/32");
    }

    private boolean ipv4() {
        return vip.ip().indexOf(':') < 0;
    }

    @Override
    public synchronized void prepare() {
        check();
        // A copy left by an earlier run (killed before its lease ran out) goes before we join.
        CommandRunner.Result del = run(List.of(ip, "addr", "del", hostCidr(), "dev", vip.iface()));
        if (!del.ok() && !notThere(del)) {
            throw new VipException(where() + ": cannot remove a stale copy (ip addr del: " + explain(del) + ")");
        }
        if (del.ok()) {
            log.warn("{}: removed a stale copy of the VIP left by an earlier run", where());
        }
    }

    @Override
    public synchronized void check() {
        ip = find("ip")
                .orElseThrow(() -> new VipException(where() + ": the 'ip' command is missing: install iproute2"));
        if (ipv4()) {
            arping = require("arping", "arping");
        } else {
            ndisc6 = require("ndisc6", "ndisc6");
            ndptool = require("ndptool", "libndp-tools");
        }
        if (checkCapabilities) {
            List<String> missing = missingCapabilities();
            if (!missing.isEmpty()) {
                throw new VipException(where() + ": " + String.join(" and ", missing)
                        + " missing: run as root or grant AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW");
            }
        }
        CommandRunner.Result link = run(List.of(ip, "-o", "link", "show", "dev", vip.iface()));
        if (!link.ok()) {
            throw new VipException(where() + ": interface " + vip.iface() + " not found (" + link.firstLine() + ")");
        }
        Matcher m = Pattern.compile("link/ether\\s+" + MAC.pattern()).matcher(link.output());
        mac = m.find() ? m.group(1).toLowerCase(Locale.ROOT) : null;
    }

    private String require(String command, String debianPackage) {
        return find(command)
                .orElseThrow(() -> new VipException(where() + ": the '" + command + "' command is missing: install "
                        + debianPackage + " (apt-get install " + debianPackage + ")"));
    }

    @Override
    public synchronized void claim() {
        replace("claim");
        log.info("{}: added with a {}s lease", where(), leaseSeconds);
    }

    @Override
    public synchronized void renew() {
        replace("renew");
    }

    private void replace(String what) {
        List<String> cmd = new ArrayList<>(List.of(
                ip,
                "addr",
                "replace",
                hostCidr(),
                "dev",
                vip.iface(),
                "valid_lft",
                Long.toString(leaseSeconds),
                "preferred_lft",
                Long.toString(leaseSeconds)));
        if (!ipv4()) {
            // The kernel's DAD would keep the address tentative (unusable) for a second or more;
            // answering() is the DAD, before the claim. A nodad address gets no neighbour
            // advertisement from the kernel (not even with ndisc_notify=1): announce() sends them.
            cmd.add("nodad");
        }
        CommandRunner.Result r = run(cmd);
        if (!r.ok()) {
            throw new VipException(where() + ": cannot " + what + " (ip addr replace: " + explain(r) + ")");
        }
    }

    @Override
    public synchronized void announce() {
        if (!ipv4()) {
            // -U: unsolicited, to all nodes (ff02::1), with the override flag (neighbours replace
            // the MAC they have for the VIP) and this interface's MAC. It needs CAP_NET_RAW only
            // (ipv6toolkit's na6, which could do the same, refuses to run unless uid 0).
            CommandRunner.Result r = run(List.of(ndptool, "send", "-t", "na", "-U", "-T", vip.ip(), "-i", vip.iface()));
            if (!r.ok()) {
                log.warn("{}: unsolicited neighbour advertisement failed: {}", where(), explain(r));
            }
            return;
        }
        CommandRunner.Result r =
                run(List.of(arping, "-U", "-S", vip.ip(), "-i", vip.iface(), "-c", "1", "-w", "0", vip.ip()));
        // arping exits 1 when no one answers, which is normal for an unsolicited ARP.
        if (r.exitCode() != 0 && r.exitCode() != 1) {
            log.warn("{}: gratuitous ARP failed: {}", where(), explain(r));
        }
    }

    @Override
    public synchronized void release() {
        CommandRunner.Result r = run(List.of(ip, "addr", "del", hostCidr(), "dev", vip.iface()));
        if (r.ok()) {
            log.info("{}: removed", where());
        } else if (!notThere(r)) {
            throw new VipException(where() + ": cannot release (ip addr del: " + explain(r) + ")");
        }
    }

    /**
     * {@code ip addr del} of an address that is not there (its lease ran out): released already.
     * IPv4 says "Error: ipv4: Address not found.", IPv6 "Error: ipv6: address not found.".
     */
    private static boolean notThere(CommandRunner.Result r) {
        return r.output().contains("Cannot assign requested address")
                || r.output().toLowerCase(Locale.ROOT).contains("address not found");
    }

    @Override
    public List<String> hardwareAddresses() {
        String m = mac;
        return m == null ? List.of() : List.of(m);
    }

    @Override
    public synchronized List<String> answering() {
        CommandRunner.Result r;
        if (ipv4()) {
            String wait = String.format(Locale.ROOT, "%.3f", dadWait.toMillis() / 1000.0);
            // -0: probe from 0.0.0.0 (RFC 5227), so the probe itself claims nothing; -C 1 returns at
            // the first answer; -r prints only the answering MAC addresses.
            r = run(List.of(arping, "-0", "-i", vip.iface(), "-c", "1", "-C", "1", "-w", wait, "-r", vip.ip()));
        } else {
            // A neighbour solicitation for the VIP, from the interface's link-local address (the
            // kernel's choice for a link-scope destination), so the probe itself claims nothing;
            // -1 returns at the first answer, -q prints only its MAC. The node's own kernel does
            // not answer it, and exit status 2 is "no answer".
            r = run(List.of(
                    ndisc6,
                    "-1",
                    "-q",
                    "-n",
                    "-r",
                    "1",
                    "-w",
                    Long.toString(dadWait.toMillis()),
                    vip.ip(),
                    vip.iface()));
            if (!r.ok() && r.exitCode() != 2) {
                log.warn("{}: duplicate-address detection failed: {}", where(), explain(r));
            }
        }
        List<String> macs = new ArrayList<>();
        Matcher m = MAC.matcher(r.output());
        while (m.find()) {
            String found = m.group(1).toLowerCase(Locale.ROOT);
            if (!found.equals(mac) && !macs.contains(found)) {
                macs.add(found);
            }
        }
        return macs;
    }

    private CommandRunner.Result run(List<String> command) {
        try {
            return runner.run(command, Map.of(), COMMAND_TIMEOUT);
        } catch (IOException e) {
            throw new VipException(where() + ": cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
    }

    private static String explain(CommandRunner.Result r) {
        String line = r.firstLine();
        if (line.contains("Operation not permitted")) {
            return line + ": CAP_NET_ADMIN missing: run as root or grant AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW";
        }
        return line.isEmpty() ? "exit status " + r.exitCode() : line;
    }

    /** Looks a command up in PATH, then in /usr/sbin and /sbin (not in a non-root user's PATH on Debian). */
    static Optional<String> find(String command) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(":")));
        }
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (String d : dirs) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d, command);
            if (Files.isExecutable(p)) {
                return Optional.of(p.toString());
            }
        }
        return Optional.empty();
    }

    /** The capabilities among CAP_NET_ADMIN and CAP_NET_RAW that this process lacks. */
    static List<String> missingCapabilities() {
        List<String> missing = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    BigInteger caps = new BigInteger(line.substring(7).trim(), 16);
                    if (!caps.testBit(CAP_NET_ADMIN)) {
                        missing.add("CAP_NET_ADMIN");
                    }
                    if (!caps.testBit(CAP_NET_RAW)) {
                        missing.add("CAP_NET_RAW");
                    }
                }
            }
        } catch (IOException | NumberFormatException e) {
            log.debug("cannot read the capabilities from /proc/self/status", e);
        }
        return missing;
    }
}
