package org.tandemlb.core.proxyprotocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Balance;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.ChildProcess;
import org.tandemlb.core.testsupport.ExternalProcesses;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.testsupport.TestBackends;

/**
 * A real HAProxy in front of Tandem, as a cloud or edge load balancer would be: HAProxy relays
 * each client's connection with {@code send-proxy} or {@code send-proxy-v2}, Tandem's frontend
 * has {@code accept_proxy}. Clients connect from 127.0.0.2 and up; HAProxy always connects to
 * Tandem from 127.0.0.1, so only the PROXY header can tell Tandem who the client is.
 */
class HAProxyInFrontTest {
    private static final Path HAPROXY = ExternalProcesses.requireBinary("haproxy", "/usr/sbin/haproxy", "haproxy");

    @RegisterExtension
    final TestBackends backends = new TestBackends();

    @TempDir
    Path dir;

    /** HAProxy in tcp mode on a random port, relaying to {@code tandem} with the PROXY header of {@code sendProxy}. */
    private ChildProcess haproxy(String sendProxy, InetSocketAddress tandem, int[] port) {
        return ExternalProcesses.startOnFreePort("haproxy", p -> {
            Path cfg = dir.resolve("haproxy-" + p + ".cfg");
            Files.writeString(
                    cfg,
                    String.join(
                            "\n",
                            "defaults",
                            "  mode tcp",
                            "  timeout connect 5s",
                            "  timeout client 30s",
                            "  timeout server 30s",
                            "frontend edge",
                            "  bind 127.0.0.1:" + p,
                            "  default_backend tandem",
                            "backend tandem",
                            "  server tandem 127.0.0.1:" + tandem.getPort() + " " + sendProxy,
                            ""));
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
            port[0] = p;
            return h;
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"send-proxy-v2", "send-proxy"})
    void tandemSeesHAProxysClientsInForwardedForAndBalancesOnThem(String sendProxy) throws Exception {
        List<TestBackend> servers = backends.start("a", "b", "c");
        BackendConfig.Builder be = BackendConfig.builder("be", Mode.HTTP).balance(Balance.SOURCE);
        servers.forEach(
                s -> be.server(ServerConfig.builder(s.name(), s.hostPort()).build()));
        int[] port = new int[1];
        try (LoadBalancer lb = LoadBalancer.builder(LoadBalancerConfig.builder()
                        .backend(be.build())
                        .frontend(FrontendConfig.builder("fe", Mode.HTTP)
                                .bind("127.0.0.1:0")
                                .defaultBackend("be")
                                .acceptProxy(true)
                                .build())
                        .build())
                .threads(1)
                .build()) {
            lb.start();
            try (ChildProcess h = haproxy(sendProxy, lb.address("fe"), port)) {
                InetSocketAddress edge = new InetSocketAddress("127.0.0.1", port[0]);
                Map<String, Set<String>> serversByClient = new HashMap<>();
                for (int round = 0; round < 2; round++) {
                    for (int i = 2; i <= 13; i++) {
                        InetAddress from = InetAddress.getByName("127.0.0." + i);
                        try (RawHttp c = new RawHttp(edge, from)) {
                            RawHttp.Response r = c.send("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                                    .read();
                            assertEquals(200, r.status());
                            serversByClient
                                    .computeIfAbsent(from.getHostAddress(), k -> new HashSet<>())
                                    .add(r.header("X-Backend"));
                        }
                    }
                }
                Map<String, String> forwardedFor = new HashMap<>();
                for (TestBackend s : servers) {
                    s.receivedHeaders()
                            .forEach(hd -> forwardedFor.merge(
                                    hd.get("X-Forwarded-For"), s.name(), (x, y) -> x.equals(y) ? x : x + "," + y));
                }
                assertEquals(12, forwardedFor.size(), "X-Forwarded-For is each client's own address: " + forwardedFor);
                assertTrue(forwardedFor.containsKey("127.0.0.2"));
                serversByClient.forEach((client, used) -> {
                    assertEquals(1, used.size(), client + " is always on one server (source balancing)");
                    assertEquals(used.iterator().next(), forwardedFor.get(client), "the server that saw " + client);
                });
                Set<String> used = new HashSet<>();
                serversByClient.values().forEach(used::addAll);
                assertTrue(used.size() > 1, "12 clients, all through one HAProxy address, spread: " + serversByClient);
                assertEquals(0, lb.frontend("fe").proxyHeaderFailures());
                assertTrue(h.isAlive(), h.output());
            }
        }
    }
}
