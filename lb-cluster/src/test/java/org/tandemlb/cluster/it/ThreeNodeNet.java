package org.tandemlb.cluster.it;

import static org.junit.jupiter.api.Assertions.fail;
import static org.tandemlb.cluster.it.Ip.ip;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.tandemlb.core.testsupport.ExternalProcesses;

/**
 * Three node namespaces and a client namespace on a bridge, with random names and a random
 * subnet per run (so that concurrent runs never collide), for the tests of three nodes with the
 * {@code linux} driver; created by {@link #create}, removed with everything in them by
 * {@link #remove}.
 *
 * <pre>
 *   [ns n1: .11] --+        +-- [ns n2: .12]
 *                  | bridge |
 *   [ns n3: .13] --+        +-- [ns c: .50, client+backend]
 *   VIPs .101, .102, ...
 * </pre>
 */
final class ThreeNodeNet {
    private final String tag =
            Integer.toHexString(0x1000 + ThreadLocalRandom.current().nextInt(0xefff));
    private final String net = "10.214." + (10 + ThreadLocalRandom.current().nextInt(200));
    private final String bridge = "tb" + tag;
    /** n1, n2, n3, then the client. */
    private final String[] namespaces = {
        "tdm-" + tag + "-s1", "tdm-" + tag + "-s2", "tdm-" + tag + "-s3", "tdm-" + tag + "-sc"
    };

    private final String[] ports = {"ts" + tag + "a", "ts" + tag + "b", "ts" + tag + "c", "ts" + tag + "d"};
    /** n1, n2, n3, then the client. */
    final String[] addresses = {net + ".11", net + ".12", net + ".13", net + ".50"};

    /** The {@code v}th VIP (0: .101). */
    String vip(int v) {
        return net + "." + (101 + v);
    }

    /** The namespaces, the bridge and the veth pairs; fails the test when namespaces are not available. */
    void create() {
        ExternalProcesses.requireBinary("iproute2", "ip");
        ExternalProcesses.requireBinary("arping", "arping");
        ip("link", "add", bridge, "type", "bridge");
        ip("link", "set", bridge, "up");
        for (int i = 0; i < namespaces.length; i++) {
            ExternalProcesses.CommandResult r =
                    ExternalProcesses.run(Duration.ofSeconds(10), "ip", "netns", "add", namespaces[i]);
            if (!r.ok()) {
                fail("network namespaces are not available here (ip netns add: "
                        + r.stderr().trim() + "): this test needs them");
            }
            ip("link", "add", ports[i], "type", "veth", "peer", "name", "eth0", "netns", namespaces[i]);
            ip("link", "set", ports[i], "master", bridge);
            ip("link", "set", ports[i], "up");
            ip("-n", namespaces[i], "addr", "add", addresses[i] + "/24", "dev", "eth0");
            ip("-n", namespaces[i], "link", "set", "eth0", "up");
            ip("-n", namespaces[i], "link", "set", "lo", "up");
        }
    }

    /** Removes the namespaces (their veth pairs go along) and the bridge. */
    void remove() {
        for (String ns : namespaces) {
            ExternalProcesses.run(Duration.ofSeconds(10), "ip", "netns", "del", ns);
        }
        ExternalProcesses.run(Duration.ofSeconds(10), "ip", "link", "del", bridge);
    }

    /** The command prefix that runs a process in namespace {@code i} (3: the client's). */
    String[] inNamespace(int i) {
        return new String[] {"ip", "netns", "exec", namespaces[i]};
    }

    /** Which node's namespace has VIP {@code v} on its interface: 0-2, or -1 (none), or 9 (several). */
    int holderOf(int v) {
        int found = -1;
        for (int i = 0; i < 3; i++) {
            String out = ExternalProcesses.run(
                            Duration.ofSeconds(5), "ip", "-n", namespaces[i], "-o", "addr", "show", "dev", "eth0")
                    .stdout();
            if (out.contains(" " + vip(v) + "/32")) {
                found = found < 0 ? i : 9;
            }
        }
        return found;
    }
}
