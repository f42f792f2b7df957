package org.tandemlb.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.tandemlb.core.ApplyFixture.answer;
import static org.tandemlb.core.ApplyFixture.backend;
import static org.tandemlb.core.ApplyFixture.config;
import static org.tandemlb.core.ApplyFixture.frontend;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.backend.AdminState;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.TestBackend;

/**
 * {@link LoadBalancer#apply} and the servers, with real test servers on loopback: unchanged ones
 * keep their state, counters and pooled keep-alive connections; replaced and removed ones lose
 * their pooled connections.
 */
class LoadBalancerApplyServersTest {
    private final ApplyFixture fixture = new ApplyFixture();

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    @Test
    void unchangedServersKeepTheirStateCountersAndPooledConnections() throws Exception {
        TestBackend a = fixture.server("a");
        TestBackend b = fixture.server("b");
        TestBackend c = fixture.server("c");
        LoadBalancer lb = fixture.start(config(List.of(backend("web", a, b)), frontend("www", "web", "127.0.0.1:0")));
        int port = lb.address("www").getPort();
        Server sa = lb.backend("web").server("a");
        Server sb = lb.backend("web").server("b");
        sb.setAdminState(AdminState.MAINT);
        sb.setUp(false);
        sa.setWeight(5);
        assertEquals("a", answer(port));
        assertEquals(1, a.openConnections(), "one keep-alive connection, pooled");

        // A backup server added: the others are unchanged.
        BackendConfig withBackup = BackendConfig.builder("web", Mode.HTTP)
                .server(ServerConfig.builder("a", a.hostPort()).build())
                .server(ServerConfig.builder("b", b.hostPort()).build())
                .server(ServerConfig.builder("c", c.hostPort()).backup(true).build())
                .build();
        lb.apply(config(List.of(withBackup), frontend("www", "web", "127.0.0.1:0")));

        assertSame(sa, lb.backend("web").server("a"));
        assertSame(sb, lb.backend("web").server("b"));
        assertEquals(AdminState.MAINT, sb.adminState());
        assertFalse(sb.isUp());
        assertEquals(5, sa.targetWeight());
        assertEquals(1, sa.requestsTotal());
        assertEquals("a", answer(port));
        assertEquals(2, sa.requestsTotal());
        assertEquals(1, a.connections(), "the pooled connection served the request after the apply");
        assertEquals(0, c.requests());
    }

    @Test
    void changedServerAddressClosesTheOldServersPooledConnections() throws Exception {
        TestBackend a = fixture.server("a");
        TestBackend b = fixture.server("b");
        LoadBalancer lb = fixture.start(config(
                List.of(BackendConfig.builder("web", Mode.HTTP)
                        .server(ServerConfig.builder("s1", a.hostPort()).build())
                        .build()),
                frontend("www", "web", "127.0.0.1:0")));
        int port = lb.address("www").getPort();
        Server before = lb.backend("web").server("s1");
        assertEquals("a", answer(port));
        assertEquals(1, a.openConnections());

        lb.apply(config(
                List.of(BackendConfig.builder("web", Mode.HTTP)
                        .server(ServerConfig.builder("s1", b.hostPort()).build())
                        .build()),
                frontend("www", "web", "127.0.0.1:0")));

        assertNotSame(before, lb.backend("web").server("s1"));
        await().atMost(5, TimeUnit.SECONDS).until(() -> a.openConnections() == 0);
        assertEquals("b", answer(port));
    }

    @Test
    void removedServersAndBackendsCloseTheirPooledConnections() throws Exception {
        TestBackend a = fixture.server("a");
        TestBackend b = fixture.server("b");
        TestBackend c = fixture.server("c");
        LoadBalancer lb = fixture.start(config(
                List.of(backend("web", a, b), backend("other", c)),
                frontend("www", "web", "127.0.0.1:0"),
                frontend("api", "other", "127.0.0.1:0")));
        int www = lb.address("www").getPort();
        assertEquals("a", answer(www));
        assertEquals("b", answer(www));
        assertEquals("c", answer(lb.address("api")));
        assertEquals(1, b.openConnections());
        assertEquals(1, c.openConnections());

        lb.apply(config(List.of(backend("web", a)), frontend("www", "web", "127.0.0.1:0")));

        await().atMost(5, TimeUnit.SECONDS).until(() -> b.openConnections() == 0 && c.openConnections() == 0);
        assertEquals(1, a.openConnections(), "a is unchanged: its pooled connection stays");
        assertEquals("a", answer(www));
        assertEquals(1, a.connections());
    }
}
