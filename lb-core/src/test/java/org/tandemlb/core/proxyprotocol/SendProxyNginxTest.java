package org.tandemlb.core.proxyprotocol;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.HealthCheckConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.SendProxy;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.NginxServer;
import org.tandemlb.core.testsupport.RawHttp;

/**
 * {@code send_proxy} against a real nginx that requires the PROXY protocol on its port and takes
 * the client's address from it ({@code real_ip_header proxy_protocol}). The client connects from
 * 127.0.0.2 (or .3) and Tandem to nginx from 127.0.0.1, so what nginx logs tells whose address it
 * got.
 */
class SendProxyNginxTest {
    /** {@code $proxy_protocol_addr|$remote_addr|$realip_remote_addr|$connection}. */
    private static final String SERVER = """
            real_ip_header proxy_protocol;
            set_real_ip_from 127.0.0.0/8;
            access_log logs/proxied.log proxied;
            location = /who { return 200 "$proxy_protocol_addr|$remote_addr|$realip_remote_addr|$connection\\n"; }
            location = /health { return 200 "ok\\n"; }
            """;

    private static NginxServer nginx;
    private static InetAddress client2;
    private static InetAddress client3;

    @BeforeAll
    static void startNginx() throws IOException {
        nginx = NginxServer.builder()
                .listenParameters("proxy_protocol")
                .http("log_format proxied '$proxy_protocol_addr $remote_addr \"$request\"';")
                .server(SERVER)
                .start();
        client2 = InetAddress.getByName("127.0.0.2");
        client3 = InetAddress.getByName("127.0.0.3");
    }

    @AfterAll
    static void stopNginx() {
        nginx.close();
    }

    private static LoadBalancer start(Mode mode, SendProxy sendProxy, boolean acceptProxy, HealthCheckConfig check) {
        LoadBalancer lb = LoadBalancer.builder(LoadBalancerConfig.builder()
                        .backend(BackendConfig.builder("be", mode)
                                .sendProxy(sendProxy)
                                .healthCheck(check)
                                .server(ServerConfig.builder("nginx", "127.0.0.1:" + nginx.port())
                                        .build())
                                .build())
                        .frontend(FrontendConfig.builder("fe", mode)
                                .bind("127.0.0.1:0")
                                .defaultBackend("be")
                                .acceptProxy(acceptProxy)
                                .build())
                        .build())
                .threads(1)
                .build();
        lb.start();
        return lb;
    }

    private static String[] who(RawHttp c) throws IOException {
        RawHttp.Response r = c.get("/who");
        assertEquals(200, r.status(), r.body());
        return r.body().trim().split("\\|");
    }

    @ParameterizedTest
    @EnumSource(
            value = SendProxy.class,
            names = {"V1", "V2"})
    void httpModeSendsTheClientsAddressAndKeepsServerConnectionsPrivateToIt(SendProxy version) throws Exception {
        try (LoadBalancer lb = start(Mode.HTTP, version, false, null)) {
            String firstConnection;
            try (RawHttp c = new RawHttp(lb.address("fe"), client2)) {
                String[] seen = who(c);
                assertEquals("127.0.0.2", seen[0], "$proxy_protocol_addr");
                assertEquals("127.0.0.2", seen[1], "$remote_addr, from the header (real_ip_header proxy_protocol)");
                assertEquals("127.0.0.1", seen[2], "the connection itself came from Tandem");
                firstConnection = seen[3];
                assertEquals(firstConnection, who(c)[3], "the client's next request reuses its server connection");
            }
            try (RawHttp c = new RawHttp(lb.address("fe"), client3)) {
                String[] seen = who(c);
                assertEquals("127.0.0.3", seen[1], "another client never gets the first one's connection");
                assertNotEquals(firstConnection, seen[3]);
            }
            Path log = nginx.accessLog().resolveSibling("proxied.log");
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> Files.readString(log).contains("127.0.0.3 127.0.0.3 \"GET /who"));
            assertTrue(
                    Files.readString(log).contains("127.0.0.2 127.0.0.2 \"GET /who HTTP/1.1\""), Files.readString(log));
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = SendProxy.class,
            names = {"V1", "V2"})
    void tcpModeSendsTheClientsAddress(SendProxy version) throws Exception {
        try (LoadBalancer lb = start(Mode.TCP, version, false, null);
                Socket s = new Socket()) {
            s.bind(new InetSocketAddress(client2, 0));
            s.connect(lb.address("fe"), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream()
                    .write("GET /who HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(response.contains("\r\n\r\n127.0.0.2|127.0.0.2|127.0.0.1|"), response);
        }
    }

    @Test
    void anAddressReceivedByAcceptProxyIsTheOneSentOn() throws Exception {
        try (LoadBalancer lb = start(Mode.HTTP, SendProxy.V2, true, null);
                RawHttp c = new RawHttp(lb.address("fe"), client2)) {
            ByteBuf header = ProxyHeaders.header(
                    UnpooledByteBufAllocator.DEFAULT,
                    SendProxy.V1,
                    new InetSocketAddress("192.0.2.44", 3456),
                    lb.address("fe"));
            c.send(header.toString(StandardCharsets.US_ASCII));
            header.release();
            String[] seen = who(c);
            assertEquals("192.0.2.44", seen[0]);
            assertEquals("192.0.2.44", seen[1]);
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = SendProxy.class,
            names = {"V1", "V2"})
    void healthChecksWithSendProxyPassAndWithoutItFail(SendProxy version) {
        HealthCheckConfig.Builder check = HealthCheckConfig.builder(HealthCheckConfig.Type.HTTP)
                .path("/health")
                .interval(Duration.ofMillis(200))
                .rise(1)
                .fall(1);
        try (LoadBalancer with = start(
                        Mode.HTTP, version, false, check.sendProxy(version).build());
                LoadBalancer without = start(
                        Mode.HTTP,
                        version,
                        false,
                        check.sendProxy(SendProxy.NONE).build())) {
            Server passing = with.backend("be").server("nginx");
            Server failing = without.backend("be").server("nginx");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> passing.lastCheck() != null && failing.lastCheck() != null);
            await().atMost(Duration.ofSeconds(10)).until(() -> !failing.isUp());
            assertTrue(passing.lastCheck().passed(), passing.lastCheck().toString());
            assertEquals("200", passing.lastCheck().message());
            assertTrue(passing.isUp());
            assertTrue(!failing.lastCheck().passed(), failing.lastCheck().toString());
        }
    }
}
