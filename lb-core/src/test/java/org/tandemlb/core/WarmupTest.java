package org.tandemlb.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Balance;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.HealthCheckConfig;
import org.tandemlb.core.config.HostPort;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.SendProxy;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.config.TlsConfig;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.testsupport.TestBackends;
import org.tandemlb.core.testsupport.TestCertificates;
import org.tandemlb.core.testsupport.TestCertificates.Issued;
import org.tandemlb.core.testsupport.TestCertificates.KeyFormat;
import org.tandemlb.core.testsupport.TestCertificates.KeyType;
import org.tandemlb.core.tls.TlsProvider;

/**
 * {@link Warmup}: every frontend of a configuration gets its requests, over HTTP/1.1 and, where
 * TLS offers it, HTTP/2, all answered through the private copy by the stub server; no request
 * reaches a configured server.
 */
class WarmupTest {
    private static final int PER_TARGET = 30;

    @TempDir
    Path dir;

    @RegisterExtension
    final TestBackends backends = new TestBackends();

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void everyFrontendAndProtocolIsAnsweredThroughTheCopyAndNoRealServerIsAsked(TlsProvider provider) {
        TestBackend web = backends.start("web");
        TestBackend db = backends.start("db");
        Issued cert = TestCertificates.create(dir.resolve("ca")).issue("www", KeyType.EC, KeyFormat.PKCS8, "www.test");
        LoadBalancerConfig config = LoadBalancerConfig.builder()
                .backend(BackendConfig.builder("web", Mode.HTTP)
                        .server(ServerConfig.builder("web1", web.hostPort()).build())
                        .healthCheck(HealthCheckConfig.builder(HealthCheckConfig.Type.HTTP)
                                .build())
                        .sendProxy(SendProxy.V1)
                        .build())
                .backend(BackendConfig.builder("db", Mode.TCP)
                        .server(ServerConfig.builder("db1", db.hostPort()).build())
                        .build())
                .frontend(FrontendConfig.builder("www", Mode.HTTP)
                        .bind("127.0.0.1:0")
                        .defaultBackend("web")
                        .tls(TlsConfig.builder()
                                .certificate(cert.chain(), cert.key())
                                .build())
                        .build())
                .frontend(FrontendConfig.builder("plain", Mode.HTTP)
                        .bind("127.0.0.1:0")
                        .acceptProxy(true)
                        .defaultBackend("web")
                        .build())
                .frontend(FrontendConfig.builder("db", Mode.TCP)
                        .bind("127.0.0.1:0")
                        .defaultBackend("db")
                        .build())
                .build();

        Warmup.Result result = Warmup.of(config)
                .tlsProvider(provider)
                .requestsPerFrontend(PER_TARGET)
                .budget(Duration.ofSeconds(30))
                .run();

        // www over HTTP/1.1 and HTTP/2, plain and db over HTTP/1.1
        assertEquals(4 * PER_TARGET, result.requests(), result.toString());
        assertEquals(0, result.failed(), result.toString());
        assertEquals(result.requests(), result.proxied(), result.toString());
        assertEquals(0, web.requests(), "no request reached a configured server");
        assertEquals(0, web.connections(), "not even a health check");
        assertEquals(0, db.connections());
    }

    @Test
    void theBudgetStopsTheRequests() {
        TestBackend web = backends.start("web");
        LoadBalancerConfig config = LoadBalancerConfig.builder()
                .backend(BackendConfig.builder("web", Mode.HTTP)
                        .server(ServerConfig.builder("web1", web.hostPort()).build())
                        .build())
                .frontend(FrontendConfig.builder("plain", Mode.HTTP)
                        .bind("127.0.0.1:0")
                        .defaultBackend("web")
                        .build())
                .build();
        // A ticker that moves a second per reading (one before each request): a 10 s budget
        // stops the run after a few of the 200 requests it would send.
        AtomicLong now = new AtomicLong();
        Warmup.Result result = Warmup.of(config)
                .budget(Duration.ofSeconds(10))
                .ticker(() -> now.getAndAdd(1_000_000_000L))
                .run();

        assertTrue(result.requests() > 0 && result.requests() < 10, result.toString());
        assertEquals(result.requests(), result.proxied(), result.toString());
    }

    @Test
    void theCopyListensOnLoopbackAndSendsOnlyToTheStub() {
        LoadBalancerConfig config = LoadBalancerConfig.builder()
                .backend(BackendConfig.builder("web", Mode.HTTP)
                        .server(ServerConfig.builder("web1", "192.0.2.10:80").build())
                        .server(ServerConfig.builder("web2", "192.0.2.11:80").build())
                        .healthCheck(HealthCheckConfig.builder(HealthCheckConfig.Type.HTTP)
                                .build())
                        .sendProxy(SendProxy.V2)
                        .build())
                .frontend(FrontendConfig.builder("www", Mode.HTTP)
                        .bind("192.0.2.1:443")
                        .bind("[2001:db8::1]:443")
                        .acceptProxy(true)
                        .defaultBackend("web")
                        .build())
                .build();

        LoadBalancerConfig copy = Warmup.privateCopy(config, new InetSocketAddress("127.0.0.1", 4321));

        FrontendConfig www = copy.frontends().get(0);
        assertEquals(List.of(new HostPort("127.0.0.1", 0)), www.binds());
        assertEquals(false, www.acceptProxy());
        BackendConfig web = copy.backends().get(0);
        assertEquals(1, web.servers().size());
        assertEquals(new HostPort("127.0.0.1", 4321), web.servers().get(0).address());
        assertNull(web.healthCheck());
        assertEquals(SendProxy.NONE, web.sendProxy());
        assertNull(web.tls());
    }

    @Test
    void aThousandFrontendsOfOneKindMakeACopyOfOneWithItsBackend() {
        LoadBalancerConfig.Builder b = LoadBalancerConfig.builder();
        for (int i = 0; i < 1000; i++) {
            b.backend(BackendConfig.builder("b" + i, Mode.HTTP)
                    .server(ServerConfig.builder("s", "192.0.2.10:80").build())
                    .build());
            b.frontend(FrontendConfig.builder("f" + i, Mode.HTTP)
                    .bind("192.0.2.1:" + (10000 + i))
                    .defaultBackend("b" + i)
                    .build());
        }
        b.backend(BackendConfig.builder("db", Mode.TCP)
                .server(ServerConfig.builder("db1", "192.0.2.20:3306").build())
                .build());
        b.frontend(FrontendConfig.builder("db", Mode.TCP)
                .bind("192.0.2.1:3306")
                .defaultBackend("db")
                .build());
        b.backend(BackendConfig.builder("unused", Mode.HTTP)
                .server(ServerConfig.builder("s", "192.0.2.30:80").build())
                .build());

        LoadBalancerConfig copy = Warmup.privateCopy(b.build(), new InetSocketAddress("127.0.0.1", 4321));

        assertEquals(
                List.of("f0", "db"),
                copy.frontends().stream().map(FrontendConfig::name).toList(),
                "one frontend of each kind, in configuration order");
        assertEquals(
                List.of("b0", "db"),
                copy.backends().stream().map(BackendConfig::name).toList(),
                "only the backends the copied frontends name");
    }

    @Test
    void theCopyHoldsAtMostSixteenFrontends() {
        LoadBalancerConfig.Builder b = LoadBalancerConfig.builder();
        Balance[] balances = {Balance.ROUNDROBIN, Balance.LEASTCONN, Balance.RANDOM, Balance.SOURCE};
        for (int i = 0; i < 40; i++) {
            b.backend(BackendConfig.builder("b" + i, i % 2 == 0 ? Mode.HTTP : Mode.TCP)
                    .balance(balances[(i / 2) % balances.length])
                    .server(ServerConfig.builder("s", "192.0.2.10:80").build())
                    .build());
            b.frontend(FrontendConfig.builder("f" + i, i % 2 == 0 ? Mode.HTTP : Mode.TCP)
                    .bind("192.0.2.1:" + (10000 + i))
                    .redirectHttps(i % 4 == 0 && i % 8 != 0)
                    .defaultBackend("b" + i)
                    .build());
        }

        LoadBalancerConfig copy = Warmup.privateCopy(b.build(), new InetSocketAddress("127.0.0.1", 4321));

        assertTrue(
                copy.frontends().size() <= Warmup.MAX_FRONTENDS,
                copy.frontends().toString());
        assertTrue(copy.frontends().size() >= 8, "every kind up to the cap: " + copy.frontends());
    }
}
