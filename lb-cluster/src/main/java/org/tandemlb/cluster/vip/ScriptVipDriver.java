package org.tandemlb.cluster.vip;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.cluster.VipConfig;

/**
 * The {@code script} driver: runs the user's {@code on_active} command on becoming active and
 * {@code on_standby} on becoming standby (and once at start, so a node always starts from a known
 * state), like keepalived's notify scripts. Each runs with {@code /bin/sh -c} and the environment
 * variables {@code TANDEM_VIP} (the address as configured, {@code 203.0.113.10/24}),
 * {@code TANDEM_ROLE} ({@code active} or {@code standby}), {@code TANDEM_INTERFACE} (empty when
 * not set) and {@code TANDEM_NODE}. A command that fails (non-zero exit, or still running after
 * 10 s) fails the claim; the node retries.
 */
public final class ScriptVipDriver implements VipDriver {
    private static final Logger log = LoggerFactory.getLogger(ScriptVipDriver.class);
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final VipConfig vip;
    private final String node;
    private final CommandRunner runner;

    public ScriptVipDriver(VipConfig vip, String node, CommandRunner runner) {
        if (vip.driver() != VipConfig.Driver.SCRIPT) {
            throw new IllegalArgumentException("not a script VIP: " + vip);
        }
        this.vip = vip;
        this.node = node;
        this.runner = runner;
    }

    @Override
    public VipConfig vip() {
        return vip;
    }

    @Override
    public void prepare() {
        if (vip.onStandby() != null && !vip.onStandby().isBlank()) {
            run("standby", vip.onStandby());
        }
    }

    @Override
    public void claim() {
        run("active", vip.onActive());
    }

    @Override
    public void release() {
        run("standby", vip.onStandby());
    }

    private void run(String role, String command) {
        if (command == null || command.isBlank()) {
            return;
        }
        Map<String, String> env = Map.of(
                "TANDEM_VIP",
                vip.cidr(),
                "TANDEM_ROLE",
                role,
                "TANDEM_INTERFACE",
                vip.iface() == null ? "" : vip.iface(),
                "TANDEM_NODE",
                node);
        CommandRunner.Result r;
        try {
            r = runner.run(List.of("/bin/sh", "-c", command), env, TIMEOUT);
        } catch (IOException e) {
            throw new VipException(
                    "VIP " + vip.ip() + ": cannot run the on_" + role + " command: " + e.getMessage(), e);
        }
        if (!r.ok()) {
            throw new VipException("VIP " + vip.ip() + ": the on_" + role + " command failed ("
                    + (r.exitCode() < 0
                            ? r.output()
                            : "exit status " + r.exitCode() + (r.output().isEmpty() ? "" : ": " + r.firstLine()))
                    + ")");
        }
        log.info("VIP {}: on_{} command ran", vip.ip(), role);
    }
}
