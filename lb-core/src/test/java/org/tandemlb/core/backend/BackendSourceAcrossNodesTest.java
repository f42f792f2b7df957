package org.tandemlb.core.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Balance;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;

/**
 * {@code source} balancing on several nodes behind a router's ECMP (docs/cluster.md): a client
 * whose flow the router moves to another node must reach the same server there. Each
 * {@link Backend} here is one node's copy of the same configuration, with its own clock and its own
 * history of health events; the server a client gets must depend only on its address, the
 * configured servers and which of them are usable.
 */
class BackendSourceAcrossNodesTest {
    private static final int CLIENTS = 2000;
    private final EventExecutor loop = new EmbeddedChannel().eventLoop();

    private static BackendConfig config() {
        BackendConfig.Builder b =
                BackendConfig.builder("web", Mode.HTTP).balance(Balance.SOURCE).slowStart(Duration.ofSeconds(60));
        for (int i = 1; i <= 4; i++) {
            b.server(ServerConfig.builder("web" + i, "127.0.0.1:" + (9000 + i))
                    .weight(i == 1 ? 200 : 100)
                    .build());
        }
        return b.build();
    }

    private static byte[] client(int i) {
        return new byte[] {10, 1, (byte) (i >>> 8), (byte) i};
    }

    /** The server {@code backend} picks for {@code client}, released at once (a short request). */
    private String pick(Backend backend, byte[] client) {
        String[] name = new String[1];
        backend.acquire(client, Set.of(), loop, new ServerGrant() {
            @Override
            public void granted(Server server) {
                name[0] = server.name();
                server.release();
            }

            @Override
            public void refused(Refusal reason) {}
        });
        return name[0];
    }

    @Test
    void aClientGetsTheSameServerOnEveryNodeWhateverEachNodeSawOfTheServersHealth() {
        AtomicLong clockA = new AtomicLong(5_000_000_000L);
        AtomicLong clockB = new AtomicLong(-77_000_000_000L);
        Backend nodeA = new Backend(config(), clockA::get);
        Backend nodeB = new Backend(config(), clockB::get);
        // Node B saw web3 and then web1 go down and come back (in that order), just now: both
        // are in their slow start there, at weight 1 and 2 of 100 and 200; node A saw nothing.
        nodeB.server("web3").setUp(false);
        nodeB.server("web1").setUp(false);
        nodeB.server("web1").setUp(true);
        nodeB.server("web3").setUp(true);
        clockB.addAndGet(Duration.ofMillis(300).toNanos());
        assertTrue(nodeB.server("web1").slowStarting() && nodeB.server("web3").slowStarting());
        Set<String> used = new HashSet<>();
        for (int i = 0; i < CLIENTS; i++) {
            String onA = pick(nodeA, client(i));
            assertEquals(onA, pick(nodeB, client(i)), "client " + i);
            used.add(onA);
        }
        assertEquals(Set.of("web1", "web2", "web3", "web4"), used);

        // A server down on both nodes: its clients move, the same way on both; the others stay.
        nodeA.server("web2").setUp(false);
        nodeB.server("web2").setUp(false);
        for (int i = 0; i < CLIENTS; i++) {
            String onA = pick(nodeA, client(i));
            assertEquals(onA, pick(nodeB, client(i)), "client " + i + " with web2 down");
            assertTrue(!onA.equals("web2"));
        }
    }
}
