package org.tandemlb.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.config.HostPort;

class TiebreakerTest {
    private final AtomicLong now = new AtomicLong(5_000_000_000L);

    @Test
    void okOnlyWhileItAnsweredRecently() throws Exception {
        // Not a try-with-resources: the test closes the socket half-way (closing it twice is harmless).
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        try {
            Tiebreaker t = new Tiebreaker(
                    new HostPort("127.0.0.1", server.getLocalPort()),
                    300,
                    TimeUnit.MILLISECONDS.toNanos(1500),
                    now::get);
            assertFalse(t.ok(), "not before it first answered");
            assertTrue(t.probe());
            assertTrue(t.ok());
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1500));
            assertTrue(t.ok(), "an answer counts for 1.5 s");
            now.addAndGet(1);
            assertFalse(t.ok());
            server.close();
            assertFalse(t.probe(), "a closed port does not answer");
            assertFalse(t.ok());
        } finally {
            server.close();
        }
    }
}
