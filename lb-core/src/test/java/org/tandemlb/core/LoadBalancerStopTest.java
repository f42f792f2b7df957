package org.tandemlb.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.transport.Transport;

/** {@link LoadBalancer#stop}: what it closes when the embedder owns the event loops. */
class LoadBalancerStopTest {

    @Test
    void stopClosesIdlePooledServerConnectionsOnEmbedderEventLoops() throws Exception {
        Transport transport = Transport.best();
        EventLoopGroup loops = transport.newGroup(1, "embedder");
        try (TestBackend web1 = TestBackend.start("web1")) {
            LoadBalancerConfig config = LoadBalancerConfig.builder()
                    .backend(BackendConfig.builder("web", Mode.HTTP)
                            .server(ServerConfig.builder("web1", web1.hostPort())
                                    .build())
                            .build())
                    .frontend(FrontendConfig.builder("www", Mode.HTTP)
                            .bind("127.0.0.1:0")
                            .defaultBackend("web")
                            .build())
                    .build();
            LoadBalancer lb = LoadBalancer.builder(config)
                    .transport(transport)
                    .eventLoops(loops, loops)
                    .build();
            lb.start();
            try (RawHttp client = new RawHttp(lb.address("www"))) {
                assertEquals("web1\n", client.get("/").body());
            }
            // The client is gone; the server connection waits in the pool for the next request.
            await().atMost(5, TimeUnit.SECONDS).until(() -> lb.frontend("www").currentConnections() == 0);
            assertEquals(1, web1.openConnections(), "the keep-alive server connection is pooled");

            lb.stop(Duration.ZERO);

            // The embedder's loops run on: the server connection must not wait for a timeout there.
            await().atMost(5, TimeUnit.SECONDS).until(() -> web1.openConnections() == 0);
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void stopClosesTheConnectionsOfAFrontendAReloadRemoved() throws Exception {
        Transport transport = Transport.best();
        EventLoopGroup loops = transport.newGroup(1, "embedder");
        try (TestBackend web1 = TestBackend.start("web1")) {
            BackendConfig web = BackendConfig.builder("web", Mode.HTTP)
                    .server(ServerConfig.builder("web1", web1.hostPort()).build())
                    .build();
            // A tcp frontend: its connections run on after a reload removed it (HTTP ones would be
            // drained, closed once idle), until the stop.
            BackendConfig raw = BackendConfig.builder("raw", Mode.TCP)
                    .server(ServerConfig.builder("web1", web1.hostPort()).build())
                    .build();
            LoadBalancerConfig config = LoadBalancerConfig.builder()
                    .backend(web)
                    .backend(raw)
                    .frontend(FrontendConfig.builder("www", Mode.TCP)
                            .bind("127.0.0.1:0")
                            .defaultBackend("raw")
                            .build())
                    .build();
            LoadBalancer lb = LoadBalancer.builder(config)
                    .transport(transport)
                    .eventLoops(loops, loops)
                    .build();
            lb.start();
            try (RawHttp client = new RawHttp(lb.address("www"))) {
                assertEquals("web1\n", client.get("/").body());
                lb.apply(LoadBalancerConfig.builder()
                        .backend(web)
                        .backend(raw)
                        .frontend(FrontendConfig.builder("api", Mode.HTTP)
                                .bind("127.0.0.2:0")
                                .defaultBackend("web")
                                .build())
                        .build());
                assertEquals("web1\n", client.get("/").body(), "the reload does not cut it");

                lb.stop(Duration.ZERO);

                assertTrue(client.closedByPeer(), "closed by stop, not left to a timeout on the embedder's loops");
            }
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
