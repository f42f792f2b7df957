package org.tandemlb.core.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The per-client table: connection counts, the token bucket, expiry and the bound, on a manual ticker. */
class ClientTableTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final ClientTable table = new ClientTable(now::get);

    private static InetAddress ip(int n) throws Exception {
        return InetAddress.getByAddress(new byte[] {10, (byte) (n >> 16), (byte) (n >> 8), (byte) n});
    }

    private void advanceMillis(long ms) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    @Test
    void connectionsPastTheLimitAreRefusedUntilOneCloses() throws Exception {
        InetAddress a = ip(1);
        assertTrue(table.connectionOpened(a, 2));
        assertTrue(table.connectionOpened(a, 2));
        assertFalse(table.connectionOpened(a, 2), "the third at once");
        assertTrue(table.connectionOpened(ip(2), 2), "another address has its own count");
        table.connectionClosed(a);
        assertTrue(table.connectionOpened(a, 2));
    }

    @Test
    void requestsPerSecondAllowOneSecondsBurstThenTheRate() throws Exception {
        InetAddress a = ip(1);
        for (int i = 0; i < 10; i++) {
            assertTrue(table.request(a, 10), "burst request " + i);
        }
        assertFalse(table.request(a, 10), "the 11th within the same instant");
        advanceMillis(100);
        assertTrue(table.request(a, 10), "a tenth of a second later, one more");
        assertFalse(table.request(a, 10));
        advanceMillis(10_000);
        int allowed = 0;
        for (int i = 0; i < 100; i++) {
            allowed += table.request(a, 10) ? 1 : 0;
        }
        assertEquals(10, allowed, "at most one second's worth saved up");
    }

    @Test
    void idleAddressesLeaveAndTheTableStaysBounded() throws Exception {
        for (int i = 0; i < ClientTable.CAPACITY * 2; i++) {
            table.request(ip(i), 1_000);
        }
        assertTrue(table.size() <= ClientTable.CAPACITY, "bounded: " + table.size());
        // Full of addresses active a moment ago: a new one is not tracked, so not limited.
        InetAddress fresh = ip(ClientTable.CAPACITY * 3);
        for (int i = 0; i < 5; i++) {
            assertTrue(table.request(fresh, 1));
        }
        // A second on, the old ones are idle and give way.
        advanceMillis(1_001);
        assertTrue(table.request(fresh, 1));
        assertFalse(table.request(fresh, 1), "tracked now, so limited");
        assertTrue(table.size() <= ClientTable.CAPACITY);
    }

    @Test
    void anAddressWhoseLastConnectionClosesLeavesOnceIdle() throws Exception {
        InetAddress a = ip(1);
        assertTrue(table.connectionOpened(a, 5));
        advanceMillis(1_500);
        table.connectionClosed(a);
        assertEquals(0, table.size());
    }
}
