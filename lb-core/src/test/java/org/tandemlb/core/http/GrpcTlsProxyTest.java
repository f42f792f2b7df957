package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.Http2Config;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.config.ServerProtocol;
import org.tandemlb.core.config.Timeouts;
import org.tandemlb.core.config.TlsConfig;
import org.tandemlb.core.config.UpstreamTlsConfig;
import org.tandemlb.core.testsupport.GrpcServer;
import org.tandemlb.core.testsupport.Proxies;
import org.tandemlb.core.testsupport.TestCertificates;
import org.tandemlb.core.testsupport.TestCertificates.KeyFormat;
import org.tandemlb.core.testsupport.TestCertificates.KeyType;

/**
 * gRPC through Tandem to a server that speaks h2 over TLS only: the backend's {@code tls} offers
 * {@code h2} by ALPN (grpc-java's server refuses a handshake without it) and verifies the
 * server's certificate against the test CA; the client speaks h2c, or h2 over TLS to a TLS
 * frontend (ALPN {@code h2}).
 */
class GrpcTlsProxyTest {
    @TempDir
    Path dir;

    @Test
    void aCallReachesAnH2ServerOverVerifiedTls() throws Exception {
        run(false);
    }

    @Test
    void andAClientOverTlsToo() throws Exception {
        run(true);
    }

    /** Two calls through Tandem to a TLS-only gRPC server, the client over TLS ({@code clientTls}) or h2c. */
    private void run(boolean clientTls) throws Exception {
        TestCertificates ca = TestCertificates.create(dir.resolve("ca"));
        TestCertificates.Issued cert = ca.issue("g1", KeyType.EC, KeyFormat.PKCS8, "127.0.0.1");
        try (GrpcServer server = GrpcServer.start("g1", 0, cert);
                LoadBalancer lb = Proxies.start(
                        Mode.HTTP,
                        b -> b.protocol(ServerProtocol.H2)
                                .tls(UpstreamTlsConfig.builder()
                                        .ca(ca.caCertificate())
                                        .build())
                                .timeouts(Timeouts.builder()
                                        .connect(Duration.ofSeconds(5))
                                        .build())
                                .server(ServerConfig.builder("g1", server.hostPort())
                                        .build()),
                        f -> clientTls
                                ? f.tls(TlsConfig.builder()
                                        .certificate(cert.chain(), cert.key())
                                        .build())
                                : f.http2(Http2Config.DEFAULTS.withH2c(true)),
                        1)) {
            NettyChannelBuilder builder =
                    NettyChannelBuilder.forAddress("127.0.0.1", lb.address("fe").getPort());
            ManagedChannel client = clientTls
                    ? builder.sslContext(GrpcSslContexts.forClient()
                                    .trustManager(ca.caCertificate().toFile())
                                    .build())
                            .build()
                    : builder.usePlaintext().build();
            try {
                AtomicReference<Metadata> trailers = new AtomicReference<>();
                for (String name : new String[] {"ann", "bob"}) {
                    String answer = ClientCalls.blockingUnaryCall(
                            ClientInterceptors.intercept(
                                    client,
                                    MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(), trailers)),
                            GrpcServer.SAY,
                            CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                            name);
                    assertEquals("hello " + name + ", from g1", answer);
                    assertEquals("g1", trailers.get().get(GrpcServer.SERVED_BY));
                }
                assertEquals(1, server.connections(), "the second call reused the TLS connection");
            } finally {
                client.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }
}
