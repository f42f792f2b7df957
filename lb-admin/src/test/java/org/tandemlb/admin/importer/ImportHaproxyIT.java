package org.tandemlb.admin.importer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.admin.api.ClusterView;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.admin.daemon.Daemon;
import org.tandemlb.core.testsupport.ChildProcess;
import org.tandemlb.core.testsupport.ExternalProcesses;
import org.tandemlb.core.testsupport.NginxServer;
import org.tandemlb.core.testsupport.RawHttp;

/**
 * Real HAProxy on an original configuration and Tandem on its import, in front of the same real
 * Nginx servers: for a set of hosts and paths both answer with the same status from the same
 * servers, and when one Nginx stops both health checks take it out; and the pair imported with
 * each node's keepalived file answers as HAProxy through the VIP, before and after a failover.
 */
class ImportHaproxyIT {

    private static final Path HAPROXY = ExternalProcesses.requireBinary("haproxy", "/usr/sbin/haproxy", "haproxy");

    @TempDir
    Path dir;

    private final List<AutoCloseable> running = new ArrayList<>();
    private Daemon tandem;
    private final List<Daemon> pair = new ArrayList<>();

    @AfterEach
    void stopEverything() throws Exception {
        if (tandem != null) {
            tandem.stop();
        }
        pair.forEach(Daemon::stop);
        for (int i = running.size() - 1; i >= 0; i--) {
            running.get(i).close();
        }
    }

    private NginxServer nginx(String name) {
        NginxServer n = NginxServer.builder()
                .server("location / { return 200 \"" + name
                        + " $http_x_client$http_x_debug xff=$http_x_forwarded_for\\n\"; }\nlocation = /health { }")
                .file("health", "ok\n")
                .start();
        running.add(n);
        return n;
    }

    /**
     * The site's HAProxy file: a host route, path routes, a host-and-path route, a path expression,
     * a source-and-path route, a denial, redirects, request and response headers, http checks.
     */
    private static String haproxyCfg(
            int port, NginxServer web1, NginxServer web2, NginxServer api1, NginxServer static1) {
        return """
                defaults
                    mode http
                    timeout connect 2s
                    timeout client 10s
                    timeout server 10s
                    retries 2
                    option forwardfor
                frontend www
                    bind 127.0.0.1:%d
                    acl api_host hdr(host) -i api.foobar.test
                    acl static_path path_beg /static/ /img/
                    acl secret path_reg \\.(git|env)(/|$)
                    http-request deny deny_status 404 if secret
                    http-request redirect location http://www.foobar.test/ code 301 if { hdr(host) -i old.foobar.test }
                    http-request redirect prefix http://www.foobar.test code 302 if { hdr(host) -i moved.foobar.test }
                    http-request set-header X-Client %%[src]
                    http-request del-header X-Debug
                    http-request del-header X-Forwarded-For
                    http-response set-header X-Served-By lb
                    http-response del-header Server
                    use_backend api if api_host
                    use_backend api if { path_reg ^/v[0-9]+/users }
                    use_backend static if static_path
                    use_backend api if { hdr(host) -i www.foobar.test } { path_reg ^/api/ }
                    use_backend api if { src 127.0.0.2 } { path_beg /office }
                    default_backend web
                backend web
                    balance roundrobin
                    option httpchk GET /health
                    http-check expect status 200
                    server web1 127.0.0.1:%d check inter 200ms rise 1 fall 1
                    server web2 127.0.0.1:%d check inter 200ms rise 1 fall 1
                backend api
                    server api1 127.0.0.1:%d check inter 200ms
                backend static
                    server static1 127.0.0.1:%d check inter 200ms
                """.formatted(port, web1.port(), web2.port(), api1.port(), static1.port());
    }

    private ChildProcess haproxy(Path cfg) {
        return ExternalProcesses.startOnFreePort("haproxy", p -> {
            Files.writeString(
                    cfg, Files.readString(cfg).replaceFirst("bind 127\\.0\\.0\\.1:\\d+", "bind 127.0.0.1:" + p));
            ChildProcess h = ChildProcess.command(HAPROXY.toString(), "-db", "-f", cfg.toString())
                    .name("haproxy")
                    .start();
            InetSocketAddress at = new InetSocketAddress("127.0.0.1", p);
            boolean up = ExternalProcesses.pollUntil(
                    Duration.ofSeconds(10), () -> !h.isAlive() || ExternalProcesses.acceptsConnections(at));
            if (!up || !h.isAlive()) {
                String output = h.output();
                h.close();
                if (output.contains("Address already in use")) {
                    throw new ExternalProcesses.AddressInUseException(output);
                }
                throw new IOException("haproxy did not start: " + output);
            }
            return h;
        });
    }

    /**
     * The distinct answers to {@code n} requests, each on its own connection: "status body", with
     * the response's {@code X-Served-By} and {@code Server} when it has them, and a redirect's
     * {@code Location} instead of the body (the load balancer's own pages differ in their words).
     */
    private static TreeSet<String> answers(InetSocketAddress lb, String host, String path, int n) throws IOException {
        return answers(lb, null, host, path, n);
    }

    /** As {@link #answers(InetSocketAddress, String, String, int)}, from the address {@code from} (null: any). */
    private static TreeSet<String> answers(InetSocketAddress lb, InetAddress from, String host, String path, int n)
            throws IOException {
        TreeSet<String> out = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            try (RawHttp http = new RawHttp(lb, from)) {
                RawHttp.Response r = http.send("GET " + path + " HTTP/1.1\r\nHost: " + host
                                + "\r\nX-Debug: 1\r\nX-Forwarded-For: 192.0.2.1\r\nConnection: close\r\n\r\n")
                        .read();
                String what = r.status() / 100 == 3
                        ? "-> " + r.header("Location")
                        : r.status() / 100 == 2 ? r.body().trim() : "";
                out.add((r.status() + " " + what + optional(" served-by=", r.header("X-Served-By"))
                                + optional(" server=", r.header("Server")))
                        .trim());
            }
        }
        return out;
    }

    private static String optional(String label, String value) {
        return value == null ? "" : label + value;
    }

    @Test
    void haproxyAndItsImportAnswerAlikeAndTakeAStoppedServerOut() throws Exception {
        NginxServer web1 = nginx("web1");
        NginxServer web2 = nginx("web2");
        NginxServer api1 = nginx("api1");
        NginxServer static1 = nginx("static1");
        Path cfg = Files.writeString(dir.resolve("haproxy.cfg"), haproxyCfg(1, web1, web2, api1, static1));
        ChildProcess h = haproxy(cfg);
        running.add(h);
        int haproxyPort =
                Integer.parseInt(Files.readString(cfg).replaceFirst("(?s).*bind 127\\.0\\.0\\.1:(\\d+).*", "$1"));
        InetSocketAddress haproxyAt = new InetSocketAddress("127.0.0.1", haproxyPort);

        Importer.Result imported = Importer.run(cfg, null);
        assertEquals(List.of(), untranslated(cfg, imported), "every line of this file translates");
        // The one change: Tandem listens beside HAProxy, on a port of its own, with its admin API on any port.
        String yaml = "admin:\n  listen: 127.0.0.1:0\n"
                + imported.yaml().replace("bind: 127.0.0.1:" + haproxyPort, "bind: 127.0.0.1:0");
        tandem = new Daemon(Map.of(), 2);
        tandem.start(ConfigLoader.parse("tandem.yaml", yaml, Map.of()));
        InetSocketAddress tandemAt = tandem.loadBalancer().address("www");

        assertSameAnswers(haproxyAt, tandemAt);

        web2.stop();
        TreeSet<String> onlyWeb1 = new TreeSet<>(List.of("200 web1 127.0.0.1 xff=127.0.0.1 served-by=lb"));
        // Without "option redispatch" HAProxy answers 503 for a request sent to web2 while it is
        // still up, so only web1 answering means its check took web2 out. Tandem retries a failed
        // connect on another server, so its own check is asked directly.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> answers(haproxyAt, "www.foobar.test", "/", 6).equals(onlyWeb1));
        await().atMost(Duration.ofSeconds(10))
                .until(() ->
                        !tandem.loadBalancer().backend("web").server("web2").isUp());
        assertEquals(onlyWeb1, answers(tandemAt, "www.foobar.test", "/", 6));
    }

    /**
     * For each case (host, path, the answers expected), HAProxy answers as expected and Tandem
     * answers as HAProxy. Nginx answers "NAME X-Client X-Debug xff=X-Forwarded-For": the client's
     * address the load balancer set, nothing for the header it deleted, and the client's address
     * alone where the client sent an X-Forwarded-For of its own; Nginx's Server header is deleted
     * and X-Served-By set on the way back.
     */
    private static void assertSameAnswers(InetSocketAddress haproxyAt, InetSocketAddress tandemAt) throws IOException {
        String[][] cases = {
            {
                "www.foobar.test",
                "/",
                "200 web1 127.0.0.1 xff=127.0.0.1 served-by=lb|200 web2 127.0.0.1 xff=127.0.0.1 served-by=lb"
            },
            {"api.foobar.test", "/", "200 api1 127.0.0.1 xff=127.0.0.1 served-by=lb"},
            {"API.FooBar.test", "/users", "200 api1 127.0.0.1 xff=127.0.0.1 served-by=lb"},
            {"www.foobar.test", "/static/site.css", "200 static1 127.0.0.1 xff=127.0.0.1 served-by=lb"},
            {"other.test", "/img/logo.png", "200 static1 127.0.0.1 xff=127.0.0.1 served-by=lb"},
            {"www.foobar.test", "/api/v1/users", "200 api1 127.0.0.1 xff=127.0.0.1 served-by=lb"},
            {
                "other.test",
                "/api/v1/users",
                "200 web1 127.0.0.1 xff=127.0.0.1 served-by=lb|200 web2 127.0.0.1 xff=127.0.0.1 served-by=lb"
            },
            {"other.test", "/v2/users/7", "200 api1 127.0.0.1 xff=127.0.0.1 served-by=lb"},
            {
                "www.foobar.test",
                "/staticky",
                "200 web1 127.0.0.1 xff=127.0.0.1 served-by=lb|200 web2 127.0.0.1 xff=127.0.0.1 served-by=lb"
            },
            {"www.foobar.test", "/.git/config", "404"},
            {"www.foobar.test", "/static/.env", "404"},
            {"old.foobar.test", "/a?b=1", "301 -> http://www.foobar.test/"},
            {"moved.foobar.test", "/a?b=1", "302 -> http://www.foobar.test/a?b=1"},
            // By the client's address: from 127.0.0.2 to api, from anywhere else on to the default.
            {"www.foobar.test", "/office", "200 api1 127.0.0.2 xff=127.0.0.2 served-by=lb", "127.0.0.2"},
            {
                "www.foobar.test",
                "/office",
                "200 web1 127.0.0.3 xff=127.0.0.3 served-by=lb|200 web2 127.0.0.3 xff=127.0.0.3 served-by=lb",
                "127.0.0.3"
            },
        };
        for (String[] c : cases) {
            TreeSet<String> expected = new TreeSet<>(List.of(c[2].split("\\|")));
            InetAddress from = c.length > 3 ? InetAddress.getByName(c[3]) : null;
            TreeSet<String> fromHaproxy = answers(haproxyAt, from, c[0], c[1], 4);
            assertEquals(expected, fromHaproxy, "HAProxy, " + c[0] + c[1] + (from == null ? "" : " from " + from));
            assertEquals(
                    fromHaproxy,
                    answers(tandemAt, from, c[0], c[1], 4),
                    "Tandem, " + c[0] + c[1] + (from == null ? "" : " from " + from));
        }
    }

    /**
     * The notes on lines of {@code cfg} but the one that says how the X-Forwarded-For deletion
     * translates (a note on a line translated with a difference, here none a client sees).
     */
    private static List<String> untranslated(Path cfg, Importer.Result imported) {
        String xff = cfg + ":" + lineOf(cfg, "http-request del-header X-Forwarded-For") + ": ";
        return imported.notes().stream()
                .filter(n -> n.startsWith(cfg + ":") && !n.startsWith(xff))
                .toList();
    }

    private static int lineOf(Path file, String text) {
        try {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).strip().equals(text)) {
                    return i + 1;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new AssertionError(text + " is not in " + file);
    }

    /** keepalived's file on node {@code n} (1 or 2) of a pair on 127.{@code net}.0/24, lb1 the master. */
    private static String keepalived(int n, String net) {
        return """
                global_defs {
                    router_id lb%d
                }
                vrrp_instance VI_WWW {
                    state %s
                    interface lo
                    virtual_router_id 51
                    priority %d
                    advert_int 1
                    unicast_src_ip %s.%d
                    unicast_peer {
                        %s.%d
                    }
                    authentication {
                        auth_type PASS
                        auth_pass s3cret
                    }
                    virtual_ipaddress {
                        %s.100/32 dev lo
                    }
                }
                """.formatted(n, n == 1 ? "MASTER" : "BACKUP", n == 1 ? 150 : 100, net, n, net, 3 - n, net);
    }

    /**
     * The two-LB site: HAProxy's file and each node's keepalived file imported, the pair started
     * (the VIP with the bind driver on a loopback address, which needs no privilege), and through
     * the VIP the active node answers as HAProxy does; lb1, the master, stopped, lb2 takes the VIP
     * and answers the same.
     */
    @Test
    void thePairImportedWithKeepalivedServesAsHaproxyBeforeAndAfterAFailover() throws Exception {
        NginxServer web1 = nginx("web1");
        NginxServer web2 = nginx("web2");
        NginxServer api1 = nginx("api1");
        NginxServer static1 = nginx("static1");
        Path cfg = Files.writeString(dir.resolve("haproxy.cfg"), haproxyCfg(1, web1, web2, api1, static1));
        running.add(haproxy(cfg));
        int port = Integer.parseInt(Files.readString(cfg).replaceFirst("(?s).*bind 127\\.0\\.0\\.1:(\\d+).*", "$1"));
        InetSocketAddress haproxyAt = new InetSocketAddress("127.0.0.1", port);
        // A /24 of the loopback network of this run: the nodes' cluster addresses and the VIP.
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String net = "127." + random.nextInt(1, 255) + "." + random.nextInt(1, 255);
        String vip = net + ".100";
        Map<String, String> env = Map.of("TANDEM_CLUSTER_SECRET", "a-long-random-string-shared-by-both-nodes");

        for (int n = 1; n <= 2; n++) {
            Path k = Files.writeString(dir.resolve("keepalived-lb" + n + ".conf"), keepalived(n, net));
            Importer.Result imported = Importer.run(cfg, k);
            assertEquals(List.of(), untranslated(cfg, imported), "every line of haproxy.cfg translates");
            String yaml = imported.yaml();
            assertTrue(yaml.contains("  priority: " + (n == 1 ? 150 : 100) + "\n"), yaml);
            assertTrue(yaml.contains("  preempt: true"), yaml);
            assertTrue(yaml.contains("    - address: " + vip + "/32\n      interface: lo\n"), yaml);
            // The changes for one machine: the frontend listens on the VIP, beside HAProxy on the
            // same port; the bind driver instead of linux (which needs CAP_NET_ADMIN); any admin port.
            yaml = "admin:\n  listen: 127.0.0.1:0\n"
                    + yaml.replace("bind: 127.0.0.1:" + port, "bind: " + vip + ":" + port)
                            .replace("      interface: lo\n", "      interface: lo\n      driver: bind\n");
            Daemon d = new Daemon(env, 1);
            d.start(ConfigLoader.parse("lb" + n + ".yaml", yaml, env));
            pair.add(d);
            if (n == 1) {
                // Started one after the other, as an operator does: lb1 is in its cluster first.
                await("lb1 in a view")
                        .atMost(Duration.ofSeconds(20))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> d.cluster().role() != ClusterView.Role.JOINING);
            }
        }
        Daemon lb1 = pair.get(0);
        Daemon lb2 = pair.get(1);
        InetSocketAddress vipAt = new InetSocketAddress(vip, port);
        await("lb1 active, lb2 standby")
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> lb1.cluster().role() == ClusterView.Role.ACTIVE
                        && lb2.cluster().role() == ClusterView.Role.STANDBY
                        && ExternalProcesses.acceptsConnections(vipAt));
        assertSameAnswers(haproxyAt, vipAt);

        lb1.stop(); // systemctl stop on lb1: the VIP goes first
        await("lb2 takes the VIP over")
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(() ->
                        lb2.cluster().role() == ClusterView.Role.ACTIVE && ExternalProcesses.acceptsConnections(vipAt));
        assertSameAnswers(haproxyAt, vipAt);
    }
}
