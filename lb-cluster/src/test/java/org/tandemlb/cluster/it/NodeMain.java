package org.tandemlb.cluster.it;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tandemlb.cluster.BgpConfig;
import org.tandemlb.cluster.ClusterConfig;
import org.tandemlb.cluster.ClusterMetrics;
import org.tandemlb.cluster.ClusterNode;
import org.tandemlb.cluster.ClusterStack;
import org.tandemlb.cluster.ClusterStatus;
import org.tandemlb.cluster.VipConfig;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.Warmup;
import org.tandemlb.core.backend.AdminState;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Balance;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.HeaderRule;
import org.tandemlb.core.config.HostPort;
import org.tandemlb.core.config.HttpRules;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.ChildProcess;

/**
 * A Tandem node in its own JVM, for the process-level tests (kill -9, SIGTERM, SIGSTOP): lb-core
 * plus a {@link ClusterNode}, built from {@code key=value} arguments, as an embedder would. It
 * prints {@code @@ READY}, {@code @@ ROLE active|standby} and answers commands on stdin:
 * {@code drain} (drains web/web1 through the cluster), {@code state} ({@code @@ STATE <admin state>}),
 * {@code vip} ({@code @@ VIP <tandem_vip_owned of the first VIP> <its owner in the status>}),
 * {@code reload key=value...} (applies the cluster section of the arguments with these changed, as
 * a reload does: {@code @@ RELOADED <how many keys wait for a restart>}).
 * SIGTERM stops it gracefully: handover first, then the load balancer.
 *
 * <pre>
 * name=lb1 bind=127.0.0.1:7800 peers=127.0.0.1:7800,127.0.0.1:7801 priority=100 secret=s
 * vip=bind:127.0.0.100 | vip=linux:10.1.0.100/24:eth0 | vip=linux:fd00:1::100/64:eth0 | vip=bgp:10.3.0.100
 *   (several: vip=linux:10.1.0.101/24:eth0@a;linux:10.1.0.102/24:eth0@b, each @group optional)
 * [spread=true] [preempt_delay=MILLIS] [warmup=true (the daemon's warm-up before the start)]
 * frontend=127.0.0.100:8080 backend=127.0.0.1:9000[,127.0.0.1:9001...]
 * [profile=fast] [tiebreaker=host:port]
 * [bird=/run/bird.ctl] [drain=2000] (the bgp driver: BIRD's socket, the drain in ms)
 * [balance=source] (the servers are s1, s2, ... in the order of backend=; every response says
 * {@code X-Node: <name>} and {@code X-Server: <server>})
 * </pre>
 */
public final class NodeMain {

    private NodeMain() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = arguments(new HashMap<>(), List.of(args));
        String name = a.get("name");
        ClusterConfig cluster = cluster(a);
        BackendConfig.Builder web = BackendConfig.builder("web", Mode.HTTP);
        String[] servers = a.get("backend").split(",");
        for (int i = 0; i < servers.length; i++) {
            // web1 alone (the tests that drain it); s1, s2... for several
            web.server(ServerConfig.builder(servers.length == 1 ? "web1" : "s" + (i + 1), servers[i])
                    .build());
        }
        FrontendConfig.Builder www =
                FrontendConfig.builder("www", Mode.HTTP).bind(a.get("frontend")).defaultBackend("web");
        if (a.containsKey("balance")) {
            web.balance(Balance.valueOf(a.get("balance").toUpperCase(Locale.ROOT)));
            www.rules(new HttpRules(
                    List.of(),
                    List.of(
                            new HeaderRule(HeaderRule.Op.SET, "X-Node", name),
                            new HeaderRule(HeaderRule.Op.SET, "X-Server", "{server}")),
                    null,
                    Map.of()));
        }
        LoadBalancerConfig full = LoadBalancerConfig.builder()
                .backend(web.build())
                .frontend(www.build())
                .build();
        if (Boolean.parseBoolean(a.getOrDefault("warmup", "false"))) {
            // As the daemon does at start: a standby elected later serves its first clients warm.
            say("WARMUP " + Warmup.of(full).run());
        }
        LoadBalancer lb = LoadBalancer.builder(ClusterNode.standbyConfig(full, cluster))
                .threads(1)
                .build();
        lb.start();
        ClusterNode node = ClusterNode.builder(cluster, lb, full)
                .listener(s -> say("ROLE " + s.role().apiName()))
                .build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new ClusterMetrics(node).bindTo(registry);
        node.start();
        // READY once in a view (start() returns once the ports are bound): the tests start the
        // next node after that, as an operator starts one host after the other.
        node.joined().join();
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            node.stop();
                            lb.stop(Duration.ofSeconds(1));
                            say("STOPPED");
                        },
                        "shutdown"));
        say("READY");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            switch (line.trim()) {
                case "drain" -> {
                    node.changeServer("web", "web1", AdminState.DRAIN, 7);
                    say("OK");
                }
                case "vip" -> {
                    // What the metric and the status API say of the VIP on this node.
                    ClusterStatus.Vip v = node.status().vips().get(0);
                    say("VIP " + (int) registry.get("tandem.vip.owned").gauge().value() + " " + v.owner());
                }
                case "state" -> {
                    var s = lb.backend("web").server("web1");
                    say("STATE " + s.adminState().apiName() + " " + s.targetWeight() + " "
                            + node.status().role().apiName() + " "
                            + node.status().members().size());
                }
                default -> {
                    if (line.startsWith("reload ")) {
                        // The cluster section again, with these arguments changed, as the
                        // daemon's reload applies it.
                        Map<String, String> next = arguments(
                                new HashMap<>(a),
                                List.of(line.substring(7).trim().split(" +")));
                        List<String> restart = node.apply(full, cluster(next));
                        say("RELOADED " + restart.size());
                    } else {
                        say("UNKNOWN " + line);
                    }
                }
            }
        }
        // stdin closed: the test is gone; stay up until killed.
        Thread.currentThread().join();
    }

    /** {@code key=value} arguments into {@code into}, over what it has. */
    private static Map<String, String> arguments(Map<String, String> into, List<String> args) {
        for (String arg : args) {
            int eq = arg.indexOf('=');
            into.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        return into;
    }

    /** The cluster section the arguments describe. */
    private static ClusterConfig cluster(Map<String, String> a) {
        String name = a.get("name");
        ClusterConfig.Builder cb = ClusterConfig.builder(name, HostPort.parse(a.get("bind")), a.get("secret"))
                .name(a.getOrDefault("cluster", "it"))
                .priority(Integer.parseInt(a.getOrDefault("priority", "100")))
                .preempt(Boolean.parseBoolean(a.getOrDefault("preempt", "false")))
                .profile(ClusterStack.Profile.named(a.getOrDefault("profile", "default")));
        for (String p : a.get("peers").split(",")) {
            cb.peer(HostPort.parse(p));
        }
        if (a.containsKey("tiebreaker")) {
            cb.tiebreaker(HostPort.parse(a.get("tiebreaker")));
        }
        if (a.containsKey("spread")) {
            cb.spread(Boolean.parseBoolean(a.get("spread")));
        }
        if (a.containsKey("preempt_delay")) {
            cb.preemptDelay(Duration.ofMillis(Long.parseLong(a.get("preempt_delay"))));
        }
        // driver:address (bind, bgp) or driver:address/prefix:interface (linux), then @group if any;
        // several separated by ';'. An IPv6 address has colons.
        for (String item : a.get("vip").split(";")) {
            int at = item.indexOf('@');
            String vip = at < 0 ? item : item.substring(0, at);
            String driver = vip.substring(0, vip.indexOf(':'));
            VipConfig v;
            if (driver.equals("bind")) {
                v = VipConfig.bind(vip.substring(driver.length() + 1));
            } else if (driver.equals("bgp")) {
                v = VipConfig.bgp(vip.substring(driver.length() + 1));
                cb.bgp(new BgpConfig(
                        a.get("bird"),
                        "tandem_vips",
                        Duration.ofMillis(Long.parseLong(a.getOrDefault("drain", "2000")))));
            } else {
                String[] cidr =
                        vip.substring(driver.length() + 1, vip.lastIndexOf(':')).split("/");
                v = VipConfig.linux(cidr[0], Integer.parseInt(cidr[1]), vip.substring(vip.lastIndexOf(':') + 1));
            }
            cb.vip(at < 0 ? v : v.inGroup(item.substring(at + 1)));
        }
        return cb.build();
    }

    private static synchronized void say(String s) {
        System.out.println("@@ " + s);
        System.out.flush();
    }

    /** A JVM that runs this class with the test class path and {@code args}. */
    public static ChildProcess.Builder command(List<String> args) {
        return ChildProcess.java(NodeMain.class)
                .jvmArgs(
                        "-Xmx128m",
                        "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1",
                        "-XX:CICompilerCount=1",
                        "-Djava.net.preferIPv4Stack=true",
                        "-Dlogback.configurationFile=node-logback.xml")
                .args(args);
    }
}
