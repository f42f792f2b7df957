package org.tandemlb.cluster.vip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.tandemlb.cluster.VipConfig;

/** The drivers' commands and error messages, with a scripted {@link CommandRunner} (no root needed). */
class VipDriversTest {

    /** Records commands; answers with {@code answer}. */
    private static final class FakeRunner implements CommandRunner {
        final List<List<String>> commands = new ArrayList<>();
        final List<Map<String, String>> envs = new ArrayList<>();
        final Function<List<String>, Result> answer;

        FakeRunner(Function<List<String>, Result> answer) {
            this.answer = answer;
        }

        @Override
        public Result run(List<String> command, Map<String, String> env, Duration timeout) {
            commands.add(command);
            envs.add(env);
            return answer.apply(command);
        }

        List<String> joined() {
            return commands.stream()
                    .map(c -> String.join(" ", c).replaceAll("\\S*/(ip|arping|ndisc6|ndptool) ", "$1 "))
                    .toList();
        }
    }

    private static final VipConfig VIP = VipConfig.linux("10.0.0.100", 24, "eth0");
    private static final VipConfig VIP6 = VipConfig.linux("2001:db8::100", 64, "eth0");

    private static CommandRunner.Result linkOk(List<String> c) {
        if (c.contains("link")) {
            return new CommandRunner.Result(
                    0, "2: eth0: <BROADCAST> mtu 1500\\    link/ether 02:42:AC:11:00:02 brd ff:ff:ff:ff:ff:ff");
        }
        if (c.contains("del")) {
            return new CommandRunner.Result(2, "Error: ipv4: Address not found.");
        }
        return new CommandRunner.Result(0, "");
    }

    @Test
    void linuxDriverAddsAHostAddressWithALeaseAndAnnouncesIt() {
        FakeRunner r = new FakeRunner(VipDriversTest::linkOk);
        LinuxVipDriver d = new LinuxVipDriver(VIP, r, Duration.ofSeconds(2), Duration.ofMillis(100), false);
        d.prepare();
        d.claim();
        d.announce();
        d.renew();
        assertEquals(List.of("02:42:ac:11:00:02"), d.hardwareAddresses());
        List<String> cmds = r.joined();
        assertEquals("ip -o link show dev eth0", cmds.get(0));
        assertEquals("ip addr del 10.0.0.100/32 dev eth0", cmds.get(1), "a stale copy goes at start");
        assertEquals("ip addr replace 10.0.0.100/32 dev eth0 valid_lft 2 preferred_lft 2", cmds.get(2));
        assertEquals("arping -U -S 10.0.0.100 -i eth0 -c 1 -w 0 10.0.0.100", cmds.get(3));
        assertEquals(cmds.get(2), cmds.get(4), "renewing is the same replace");
    }

    @Test
    void anIpv6VipIsAHostAddressWithoutTheKernelsDadAnnouncedByNeighbourAdvertisements() {
        FakeRunner r = new FakeRunner(
                c -> c.contains("del") ? new CommandRunner.Result(2, "Error: ipv6: address not found.") : linkOk(c));
        LinuxVipDriver d = new LinuxVipDriver(VIP6, r, Duration.ofSeconds(2), Duration.ofMillis(100), false);
        d.prepare();
        d.claim();
        d.announce();
        d.release();
        assertEquals(
                List.of(
                        "ip -o link show dev eth0",
                        "ip addr del 2001:db8::100/128 dev eth0",
                        "ip addr replace 2001:db8::100/128 dev eth0 valid_lft 2 preferred_lft 2 nodad",
                        "ndptool send -t na -U -T 2001:db8::100 -i eth0",
                        "ip addr del 2001:db8::100/128 dev eth0"),
                r.joined(),
                "IPv6 says 'address not found' in lower case: still a clean start and release");
    }

    @Test
    void ipv6DuplicateAddressDetectionSolicitsTheVip() {
        FakeRunner r = new FakeRunner(c -> {
            if (c.contains("-q")) {
                return c.contains("2001:db8::100")
                        ? new CommandRunner.Result(0, "52:54:00:AA:BB:CC")
                        : new CommandRunner.Result(2, "");
            }
            return linkOk(c);
        });
        LinuxVipDriver d = new LinuxVipDriver(VIP6, r, Duration.ofSeconds(2), Duration.ofMillis(100), false);
        d.prepare();
        assertEquals(List.of("52:54:00:aa:bb:cc"), d.answering());
        assertTrue(
                r.joined().contains("ndisc6 -1 -q -n -r 1 -w 100 2001:db8::100 eth0"),
                r.joined().toString());
        LinuxVipDriver other = new LinuxVipDriver(
                VipConfig.linux("2001:db8::200", 64, "eth0"), r, Duration.ofSeconds(2), Duration.ofMillis(100), false);
        assertEquals(List.of(), other.answering(), "no answer (exit status 2): no one else holds it");
    }

    @Test
    void releasingAnAddressWhoseLeaseRanOutIsFine() {
        FakeRunner r = new FakeRunner(VipDriversTest::linkOk);
        new LinuxVipDriver(VIP, r, Duration.ofSeconds(2), Duration.ofMillis(100), false).release();
        assertEquals(List.of("ip addr del 10.0.0.100/32 dev eth0"), r.joined());
    }

    @Test
    void duplicateAddressDetectionListsOtherAnswerers() {
        FakeRunner r = new FakeRunner(c ->
                c.contains("-0") ? new CommandRunner.Result(0, "02:42:ac:11:00:02\n52:54:00:aa:bb:cc\n") : linkOk(c));
        LinuxVipDriver d = new LinuxVipDriver(VIP, r, Duration.ofSeconds(2), Duration.ofMillis(100), false);
        d.prepare();
        assertEquals(List.of("52:54:00:aa:bb:cc"), d.answering(), "our own address is not a conflict");
        assertTrue(
                r.joined().contains("arping -0 -i eth0 -c 1 -C 1 -w 0.100 -r 10.0.0.100"),
                r.joined().toString());
    }

    @Test
    void missingPermissionIsSaidClearly() {
        FakeRunner r = new FakeRunner(c -> c.contains("replace")
                ? new CommandRunner.Result(2, "RTNETLINK answers: Operation not permitted")
                : linkOk(c));
        LinuxVipDriver d = new LinuxVipDriver(VIP, r, Duration.ofSeconds(2), Duration.ofMillis(100), false);
        d.prepare();
        VipException e = assertThrows(VipException.class, d::claim);
        assertEquals(
                "VIP 10.0.0.100 on eth0: cannot claim (ip addr replace: RTNETLINK answers: Operation not "
                        + "permitted: CAP_NET_ADMIN missing: run as root or grant AmbientCapabilities=CAP_NET_ADMIN "
                        + "CAP_NET_RAW)",
                e.getMessage());
    }

    @Test
    void aMissingInterfaceFailsThePreparation() {
        FakeRunner r = new FakeRunner(
                c -> c.contains("link") ? new CommandRunner.Result(1, "Device \"eth9\" does not exist.") : linkOk(c));
        LinuxVipDriver d = new LinuxVipDriver(
                VipConfig.linux("10.0.0.100", 24, "eth9"), r, Duration.ofSeconds(2), Duration.ofMillis(100), false);
        VipException e = assertThrows(VipException.class, d::prepare);
        assertEquals(
                "VIP 10.0.0.100 on eth9: interface eth9 not found (Device \"eth9\" does not exist.)", e.getMessage());
    }

    @Test
    void scriptDriverRunsTheCommandsWithTheirEnvironment() {
        FakeRunner r = new FakeRunner(c -> new CommandRunner.Result(0, ""));
        ScriptVipDriver d =
                new ScriptVipDriver(VipConfig.script("203.0.113.10", "eth0", "vip-up", "vip-down"), "lb1", r);
        d.prepare();
        d.claim();
        d.release();
        assertEquals(List.of("/bin/sh -c vip-down", "/bin/sh -c vip-up", "/bin/sh -c vip-down"), r.joined());
        assertEquals(
                Map.of(
                        "TANDEM_VIP",
                        "203.0.113.10/32",
                        "TANDEM_ROLE",
                        "active",
                        "TANDEM_INTERFACE",
                        "eth0",
                        "TANDEM_NODE",
                        "lb1"),
                r.envs.get(1));
        assertEquals("standby", r.envs.get(2).get("TANDEM_ROLE"));
    }

    @Test
    void aFailingScriptFailsTheClaim() {
        FakeRunner r = new FakeRunner(c -> new CommandRunner.Result(3, "no such device\nmore"));
        ScriptVipDriver d = new ScriptVipDriver(VipConfig.script("203.0.113.10", null, "vip-up", null), "lb1", r);
        VipException e = assertThrows(VipException.class, d::claim);
        assertEquals("VIP 203.0.113.10: the on_active command failed (exit status 3: no such device)", e.getMessage());
    }

    @Test
    void scriptsReallyRunWithTheirEnvironment() throws Exception {
        CommandRunner.Result r = CommandRunner.system()
                .run(
                        List.of("/bin/sh", "-c", "echo $TANDEM_ROLE $TANDEM_VIP"),
                        Map.of("TANDEM_ROLE", "active", "TANDEM_VIP", "203.0.113.10/24"),
                        Duration.ofSeconds(10));
        assertEquals(new CommandRunner.Result(0, "active 203.0.113.10/24"), r);
        CommandRunner.Result slow =
                CommandRunner.system().run(List.of("/bin/sh", "-c", "exec sleep 5"), Map.of(), Duration.ofMillis(200));
        assertEquals(-1, slow.exitCode(), "a command past its timeout is killed");
    }
}
