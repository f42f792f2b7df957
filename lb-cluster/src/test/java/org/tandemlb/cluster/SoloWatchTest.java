package org.tandemlb.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.config.HostPort;

/** When a node alone checks its peers, and what counts as reachable. */
class SoloWatchTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private final AtomicLong now = new AtomicLong(1_000 * SECOND);

    private SoloWatch watch(List<HostPort> peers) {
        return new SoloWatch(peers, 10 * SECOND, 60 * SECOND, 300, now::get);
    }

    @Test
    void checksAfterTheGraceThenOncePerInterval() {
        SoloWatch w = watch(List.of(HostPort.parse("127.0.0.1:7801")));
        assertFalse(w.due(), "no view yet");
        w.viewChanged(1);
        now.addAndGet(9 * SECOND);
        assertFalse(w.due(), "within the grace: a merge may still come");
        now.addAndGet(2 * SECOND);
        assertTrue(w.due());
        assertEquals(11, w.aloneSeconds());
        assertFalse(w.due(), "said once");
        now.addAndGet(59 * SECOND);
        assertFalse(w.due());
        now.addAndGet(2 * SECOND);
        assertTrue(w.due(), "again a minute later");
        w.viewChanged(2);
        now.addAndGet(120 * SECOND);
        assertFalse(w.due(), "merged: nothing to say");
        assertEquals(0, w.aloneSeconds());
    }

    @Test
    void aNodeWithoutPeersIsNeverAlone() {
        SoloWatch w = watch(List.of());
        w.viewChanged(1);
        now.addAndGet(3600 * SECOND);
        assertFalse(w.due());
    }

    @Test
    void othersLeaveThisNodeOut() {
        ClusterConfig c = ClusterConfig.builder("lb1", HostPort.parse("127.0.0.1:7801"), "s")
                .peer(HostPort.parse("127.0.0.1:7801"))
                .peer(HostPort.parse("127.0.0.1:7802"))
                .build();
        assertEquals(List.of(HostPort.parse("127.0.0.1:7802")), SoloWatch.others(c));
    }

    @Test
    void reachableMeansAcceptingConnections() throws Exception {
        HostPort closed = HostPort.parse("127.0.0.1:9"); // discard: nothing listens there
        try (ServerSocket up = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            HostPort open = HostPort.parse("127.0.0.1:" + up.getLocalPort());
            assertEquals(List.of(open), watch(List.of(closed, open)).reachable());
        }
    }
}
