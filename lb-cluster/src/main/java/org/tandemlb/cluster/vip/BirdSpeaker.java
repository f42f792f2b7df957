package org.tandemlb.cluster.vip;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.cluster.BgpConfig;
import org.tandemlb.cluster.VipConfig;

/**
 * What the {@code bgp} driver does on the host (docs/cluster.md, "All nodes active: BGP and ECMP"):
 * the VIPs are host addresses on {@code lo}, added with a lease like the {@code linux} driver's
 * ({@code ip addr replace VIP/32 dev lo valid_lft L preferred_lft L}), and BIRD's {@code protocol
 * direct} named in {@link BgpConfig#protocol()} turns them into routes, which BIRD's BGP sessions
 * export to the router. Tandem announces by enabling that protocol and withdraws by disabling it
 * ({@code birdc -s SOCKET enable|disable NAME}), so a withdrawal is one BGP UPDATE while the
 * addresses stay for the drain; and since the routes exist only while the addresses do, a node
 * that stops renewing them (killed, frozen) has its routes withdrawn by BIRD when the lease runs
 * out, even though BIRD itself still runs.
 *
 * <p>Every method blocks on processes (bounded by a timeout): the node calls them on its own
 * {@code tandem-bgp} thread, never on an event loop or the cluster's actor.
 */
public final class BirdSpeaker {
    private static final Logger log = LoggerFactory.getLogger(BirdSpeaker.class);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);

    private final List<VipConfig> vips;
    private final BgpConfig config;
    private final CommandRunner runner;
    private final long leaseSeconds;
    private String ip = "ip";
    private String birdc = "birdc";

    /** @param lease the lifetime of the addresses on {@code lo} (whole seconds, at least 1) */
    public BirdSpeaker(List<VipConfig> vips, BgpConfig config, CommandRunner runner, Duration lease) {
        for (VipConfig v : vips) {
            if (v.driver() != VipConfig.Driver.BGP) {
                throw new IllegalArgumentException("not a bgp VIP: " + v);
            }
        }
        this.vips = List.copyOf(vips);
        this.config = config;
        this.runner = runner;
        this.leaseSeconds = Math.max(1, lease.toSeconds());
    }

    /**
     * Checks that {@code ip} and {@code birdc} are installed and that BIRD answers on its socket
     * with the protocol configured; then withdraws (disables the protocol) and removes stale
     * copies of the VIPs left by an earlier run.
     *
     * @throws VipException saying what to do
     */
    public void prepare() {
        check();
        disable();
        unhold();
    }

    /**
     * What {@link #prepare} checks, changing nothing: for a reload that announces through this
     * speaker from now on, while the routes stay announced.
     *
     * @throws VipException saying what to do
     */
    public void check() {
        ip = LinuxVipDriver.find("ip")
                .orElseThrow(() -> new VipException(where() + ": the 'ip' command is missing: install iproute2"));
        birdc = LinuxVipDriver.find("birdc")
                .orElseThrow(() -> new VipException(
                        where() + ": the 'birdc' command is missing: install bird2 (apt-get install bird2)"));
        CommandRunner.Result r = birdc("show", "protocols", config.protocol());
        if (!r.ok() || !r.output().contains(config.protocol() + " ")) {
            throw new VipException(where() + ": BIRD has no protocol " + config.protocol() + " on " + config.socket()
                    + " (" + explain(r) + "): run BIRD with 'protocol direct " + config.protocol()
                    + " { ipv4; ipv6; interface \"lo\"; }' (docs/cluster.md)");
        }
    }

    /** Whether {@code other} drives the same BIRD protocol on the same socket. */
    public boolean sameProtocol(BirdSpeaker other) {
        return config.socket().equals(other.config.socket())
                && config.protocol().equals(other.config.protocol());
    }

    /** Removes from {@code lo} the VIPs that {@code next} does not hold (a reload removed them). */
    public void unholdOthers(BirdSpeaker next) {
        unhold(vips.stream().filter(v -> !next.vips.contains(v)).toList());
    }

    /** Adds the VIPs to {@code lo}, or renews their lease. */
    public void hold() {
        for (VipConfig v : vips) {
            CommandRunner.Result r = run(List.of(
                    ip,
                    "addr",
                    "replace",
                    hostCidr(v),
                    "dev",
                    "lo",
                    "valid_lft",
                    Long.toString(leaseSeconds),
                    "preferred_lft",
                    Long.toString(leaseSeconds)));
            if (!r.ok()) {
                throw new VipException("VIP " + v.ip() + " on lo: cannot add it (ip addr replace: " + explain(r) + ")");
            }
        }
    }

    /** Removes the VIPs from {@code lo}; safe when they are not there. */
    public void unhold() {
        unhold(vips);
    }

    private void unhold(List<VipConfig> which) {
        for (VipConfig v : which) {
            CommandRunner.Result r = run(List.of(ip, "addr", "del", hostCidr(v), "dev", "lo"));
            String out = r.output().toLowerCase(Locale.ROOT);
            if (!r.ok() && !out.contains("cannot assign requested address") && !out.contains("address not found")) {
                log.error("VIP {} on lo: cannot remove it (ip addr del: {})", v.ip(), explain(r));
            }
        }
    }

    /** Announces: enables the protocol (idempotent). */
    public void enable() {
        protocol("enable");
    }

    /** Withdraws: disables the protocol (idempotent). */
    public void disable() {
        protocol("disable");
    }

    /**
     * Whether the protocol is up ({@code birdc show protocols}): BIRD restarted with its
     * configuration may have it up while Tandem withdrew, or down while Tandem announces.
     */
    public boolean enabled() {
        CommandRunner.Result r = birdc("show", "protocols", config.protocol());
        if (!r.ok()) {
            throw new VipException(where() + ": cannot read the protocol's state (" + explain(r) + ")");
        }
        for (String line : r.output().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].equals(config.protocol())) {
                return f[3].equals("up");
            }
        }
        throw new VipException(where() + ": BIRD no longer has protocol " + config.protocol());
    }

    private void protocol(String verb) {
        // "tandem_vips: enabled" or "tandem_vips: already enabled"; an unknown protocol is a syntax
        // error with exit status 1.
        CommandRunner.Result r = birdc(verb, config.protocol());
        if (!r.ok() || !r.output().contains(config.protocol() + ":")) {
            throw new VipException(where() + ": birdc " + verb + " " + config.protocol() + " failed: " + explain(r));
        }
    }

    private CommandRunner.Result birdc(String... args) {
        List<String> cmd = new ArrayList<>(List.of(birdc, "-s", config.socket()));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    private String where() {
        return "bgp VIPs " + vips.stream().map(VipConfig::ip).toList() + " (BIRD on " + config.socket() + ")";
    }

    private static String hostCidr(VipConfig v) {
        return v.ip() + (v.ip().indexOf(':') >= 0 ? "/128" : "/32");
    }

    private CommandRunner.Result run(List<String> command) {
        try {
            return runner.run(command, Map.of(), COMMAND_TIMEOUT);
        } catch (IOException e) {
            throw new VipException(where() + ": cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
    }

    /** The last line of the output: birdc prints its banner first and the answer or error last. */
    private static String explain(CommandRunner.Result r) {
        String out = r.output().trim();
        int nl = out.lastIndexOf('\n');
        String line = nl < 0 ? out : out.substring(nl + 1);
        return line.isEmpty() ? "exit status " + r.exitCode() : line;
    }
}
