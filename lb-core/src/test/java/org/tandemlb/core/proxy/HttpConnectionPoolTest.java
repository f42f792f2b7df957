package org.tandemlb.core.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.proxyprotocol.ClientAddresses;

/** Shared and private (send_proxy) keys of the pool of idle server connections. */
class HttpConnectionPoolTest {
    private static final ClientAddresses ALICE =
            new ClientAddresses(new InetSocketAddress("192.0.2.1", 1000), new InetSocketAddress("198.51.100.1", 80));
    private static final ClientAddresses BOB =
            new ClientAddresses(new InetSocketAddress("192.0.2.2", 1000), new InetSocketAddress("198.51.100.1", 80));

    private final Backend backend = new Backend(BackendConfig.builder("be", Mode.HTTP)
            .server(ServerConfig.builder("a", "127.0.0.1:81").build())
            .server(ServerConfig.builder("b", "127.0.0.1:82").build())
            .build());
    private final Server a = backend.server("a");
    private final Server b = backend.server("b");
    private final HttpConnectionPool pool = new HttpConnectionPool();
    /** Its event loop stands for the loop that owns the pooled connections. */
    private final EmbeddedChannel owner = new EmbeddedChannel();

    private final EventLoop loop = owner.eventLoop();

    @Test
    void aPrivateConnectionGoesOnlyToItsClient() {
        EmbeddedChannel alices = new EmbeddedChannel();
        pool.offer(loop, HttpConnectionPool.key(a, ALICE), alices);
        assertNull(pool.poll(loop, HttpConnectionPool.key(a, BOB)), "not to another client");
        assertNull(pool.poll(loop, HttpConnectionPool.key(a, null)), "not to the shared connections");
        assertNull(pool.poll(loop, HttpConnectionPool.key(b, ALICE)), "not to another server");
        assertSame(alices, pool.poll(loop, HttpConnectionPool.key(a, ALICE)));
        assertEquals(0, pool.idleCount(loop));
    }

    @Test
    void closingAServersIdleConnectionsClosesThePrivateOnesToo() {
        EmbeddedChannel shared = new EmbeddedChannel();
        EmbeddedChannel alices = new EmbeddedChannel();
        EmbeddedChannel bobsToB = new EmbeddedChannel();
        pool.offer(loop, HttpConnectionPool.key(a, null), shared);
        pool.offer(loop, HttpConnectionPool.key(a, ALICE), alices);
        pool.offer(loop, HttpConnectionPool.key(b, BOB), bobsToB);
        pool.closeIdle(a);
        owner.runPendingTasks();
        assertFalse(shared.isOpen());
        assertFalse(alices.isOpen());
        assertEquals(1, pool.idleCount(loop), "the connection to b stays");
        assertSame(bobsToB, pool.poll(loop, HttpConnectionPool.key(b, BOB)));
    }

    @Test
    void aClosedPrivateConnectionLeavesNothingBehind() {
        EmbeddedChannel alices = new EmbeddedChannel();
        Object key = HttpConnectionPool.key(a, ALICE);
        pool.offer(loop, key, alices);
        pool.remove(loop, key, alices);
        assertEquals(0, pool.idleCount(loop));
        assertNull(pool.poll(loop, key));
    }
}
