package org.tandemlb.core.health;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.HealthCheckConfig;
import org.tandemlb.core.config.Http2Config;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.config.ServerProtocol;
import org.tandemlb.core.testsupport.GrpcServer;
import org.tandemlb.core.testsupport.Proxies;

/**
 * The {@code grpc} check against real grpc-java servers and their standard health service: the
 * messages it writes and reads are protobuf's own encoding, a server that stops SERVING its
 * service or is killed goes down, and gRPC calls through Tandem then all reach the other server.
 */
class GrpcHealthCheckTest {
    private static final Duration INTERVAL = Duration.ofMillis(200);

    @Test
    void theRequestIsTheProtobufMessageAndTheAnswerIsReadAsProtobufWritesIt() {
        for (String service : new String[] {"", "test.Echo", "x".repeat(300)}) {
            byte[] expected =
                    HealthCheckRequest.newBuilder().setService(service).build().toByteArray();
            byte[] framed = GrpcCheck.request(service);
            assertEquals(expected.length, framed.length - 5, "the frame's length for '" + service + "'");
            assertEquals(0, framed[0], "not compressed");
            assertEquals(expected.length, ((framed[3] & 0xff) << 8) | (framed[4] & 0xff));
            byte[] message = new byte[expected.length];
            System.arraycopy(framed, 5, message, 0, message.length);
            assertArrayEquals(expected, message);
        }
        for (ServingStatus s : new ServingStatus[] {
            ServingStatus.UNKNOWN, ServingStatus.SERVING, ServingStatus.NOT_SERVING, ServingStatus.SERVICE_UNKNOWN
        }) {
            byte[] m = HealthCheckResponse.newBuilder().setStatus(s).build().toByteArray();
            ByteBuf framed = Unpooled.buffer().writeByte(0).writeInt(m.length).writeBytes(m);
            assertEquals(s.getNumber(), GrpcCheck.servingStatus(framed), s.toString());
            assertEquals(s.name(), GrpcCheck.statusName(s.getNumber()));
        }
        assertEquals(-1, GrpcCheck.servingStatus(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 0, 2, 8})), "truncated");
        assertEquals(-1, GrpcCheck.servingStatus(Unpooled.wrappedBuffer(new byte[] {1, 0, 0, 0, 0})), "compressed");
    }

    @Test
    void aServerThatStopsServingOrIsKilledIsTakenOutAndCallsGoToTheOther() throws Exception {
        HealthCheckConfig check = HealthCheckConfig.builder(HealthCheckConfig.Type.GRPC)
                .service("test.Echo")
                .interval(INTERVAL)
                .rise(1)
                .fall(2)
                .build();
        GrpcServer g2 = GrpcServer.start("g2");
        try (GrpcServer g1 = GrpcServer.start("g1")) {
            g1.health("test.Echo", ServingStatus.SERVING);
            g2.health("test.Echo", ServingStatus.SERVING);
            try (LoadBalancer lb = Proxies.start(
                    Mode.HTTP,
                    b -> b.protocol(ServerProtocol.H2)
                            .healthCheck(check)
                            .retries(0)
                            .server(ServerConfig.builder("g1", g1.hostPort()).build())
                            .server(ServerConfig.builder("g2", g2.hostPort()).build()),
                    f -> f.http2(Http2Config.DEFAULTS.withH2c(true)),
                    1)) {
                Server s1 = lb.backend("be").server("g1");
                Server s2 = lb.backend("be").server("g2");
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> s1.lastCheck() != null && s2.lastCheck() != null && s1.isUp() && s2.isUp());
                assertEquals("SERVING", s1.lastCheck().message());
                ManagedChannel client = NettyChannelBuilder.forAddress(
                                "127.0.0.1", lb.address("fe").getPort())
                        .usePlaintext()
                        .build();
                try {
                    assertEquals(Map.of("g1", 5, "g2", 5), spread(client, 10));

                    g1.health("test.Echo", ServingStatus.NOT_SERVING);
                    await().atMost(Duration.ofSeconds(10)).until(() -> !s1.isUp());
                    assertEquals("NOT_SERVING", s1.lastCheck().message());
                    assertEquals(Map.of("g2", 10), spread(client, 10));
                    g1.health("test.Echo", ServingStatus.SERVING);
                    await().atMost(Duration.ofSeconds(10)).until(s1::isUp);

                    g2.close(); // killed: its port refuses connections
                    await().atMost(Duration.ofSeconds(10)).until(() -> !s2.isUp());
                    assertTrue(
                            s2.lastCheck().message().contains("refused"),
                            s2.lastCheck().message());
                    assertEquals(Map.of("g1", 10), spread(client, 10), "no call fails once g2 is out");
                } finally {
                    client.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
                }
            }
        } finally {
            g2.close();
        }
    }

    @Test
    void anUnknownServiceFailsWithTheCallsStatus() throws Exception {
        HealthCheckConfig check = HealthCheckConfig.builder(HealthCheckConfig.Type.GRPC)
                .service("no.Such")
                .interval(INTERVAL)
                .build();
        try (GrpcServer g1 = GrpcServer.start("g1");
                LoadBalancer lb = Proxies.start(
                        Mode.HTTP,
                        b -> b.protocol(ServerProtocol.H2)
                                .healthCheck(check)
                                .server(ServerConfig.builder("g1", g1.hostPort())
                                        .build()),
                        f -> f,
                        1)) {
            Server s1 = lb.backend("be").server("g1");
            await().atMost(Duration.ofSeconds(10)).until(() -> s1.lastCheck() != null);
            // grpc-java's health service answers NOT_FOUND for a service it was never told of.
            assertEquals(
                    "grpc-status 5: unknown service no.Such", s1.lastCheck().message());
        }
    }

    /** Which server answered each of {@code n} calls. */
    private static Map<String, Integer> spread(ManagedChannel client, int n) {
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            String answer = ClientCalls.blockingUnaryCall(
                    client, GrpcServer.SAY, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "x");
            counts.merge(answer.substring(answer.lastIndexOf(' ') + 1), 1, Integer::sum);
        }
        return counts;
    }
}
