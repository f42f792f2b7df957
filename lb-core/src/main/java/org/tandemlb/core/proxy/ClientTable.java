package org.tandemlb.core.proxy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * What each client address of a frontend holds and sends: its open connections and a token bucket
 * of requests per second ({@code limits.per_client}). Bounded: at most {@link #CAPACITY}
 * addresses, in {@value #SEGMENTS} segments locked apart (the event loops of one frontend share
 * it). An address with no open connection and a full bucket (no request for a second) is idle
 * and may leave; when a segment is full of active addresses, a new one is not tracked and gets no
 * limit, so that an attacker with many addresses can neither grow memory nor lock out the others.
 *
 * <p>Time comes from the ticker given (nanoseconds), so tests drive it.
 */
public final class ClientTable {
    /** The most addresses tracked at once. */
    public static final int CAPACITY = 65_536;

    private static final int SEGMENTS = 16;
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final LongSupplier ticker;
    private final Segment[] segments = new Segment[SEGMENTS];

    /** An empty table reading the time from {@code ticker} (e.g. {@code System::nanoTime}). */
    public ClientTable(LongSupplier ticker) {
        this.ticker = ticker;
        for (int i = 0; i < SEGMENTS; i++) {
            segments[i] = new Segment(CAPACITY / SEGMENTS);
        }
    }

    /**
     * Counts a connection of {@code client} opened; true when it is within {@code limit} (0: no
     * limit), false when it is past it (it is not counted then, and must not be closed with
     * {@link #connectionClosed}).
     */
    public boolean connectionOpened(InetAddress client, int limit) {
        Segment s = segment(client);
        synchronized (s) {
            Entry e = s.entry(client, ticker.getAsLong(), true);
            if (e == null) {
                return true; // untracked: the table is full of active addresses
            }
            if (limit > 0 && e.connections >= limit) {
                return false;
            }
            e.connections++;
            return true;
        }
    }

    /** Counts a connection that {@link #connectionOpened} counted closed. */
    public void connectionClosed(InetAddress client) {
        Segment s = segment(client);
        synchronized (s) {
            Entry e = s.map.get(client);
            if (e != null && e.connections > 0) {
                e.connections--;
                if (e.idle(ticker.getAsLong())) {
                    s.map.remove(client);
                }
            }
        }
    }

    /**
     * Takes a request of {@code client} from its bucket of {@code perSecond} requests per second
     * (at most one second's worth saved up); false when the bucket is empty.
     */
    public boolean request(InetAddress client, int perSecond) {
        if (perSecond <= 0) {
            return true;
        }
        Segment s = segment(client);
        long now = ticker.getAsLong();
        synchronized (s) {
            Entry e = s.entry(client, now, true);
            if (e == null) {
                return true;
            }
            // Tokens are counted in nanoseconds' worth of requests: perSecond tokens per second.
            long capacity = SECOND;
            long cost = SECOND / perSecond;
            e.budget = Math.min(capacity, e.budget + (now - e.refilled));
            e.refilled = now;
            if (e.budget < cost) {
                return false;
            }
            e.budget -= cost;
            return true;
        }
    }

    /** The addresses tracked now (for tests and metrics). */
    public int size() {
        int n = 0;
        for (Segment s : segments) {
            synchronized (s) {
                n += s.map.size();
            }
        }
        return n;
    }

    private Segment segment(InetAddress client) {
        int h = client.hashCode();
        h ^= h >>> 16;
        return segments[h & (SEGMENTS - 1)];
    }

    private static final class Entry {
        int connections;
        /** Nanoseconds' worth of requests saved up, at most one second. */
        long budget = SECOND;

        long refilled;

        Entry(long now) {
            refilled = now;
        }

        boolean idle(long now) {
            return connections == 0 && now - refilled >= SECOND;
        }
    }

    /** Addresses in the order of their last use, the least recently used first. */
    private static final class Segment {
        final int capacity;
        final LinkedHashMap<InetAddress, Entry> map = new LinkedHashMap<>(16, 0.75f, true);

        Segment(int capacity) {
            this.capacity = capacity;
        }

        /** The entry of {@code client}, made when {@code create} and there is room; else null. */
        Entry entry(InetAddress client, long now, boolean create) {
            Entry e = map.get(client);
            if (e != null || !create) {
                return e;
            }
            if (map.size() >= capacity && !evictIdle(now)) {
                return null;
            }
            e = new Entry(now);
            map.put(client, e);
            return e;
        }

        /**
         * Removes idle entries from the least recently used end, a few at a time, so that no call
         * walks the whole segment; the busy ones it meets go to the other end (a long connection
         * must not hide the idle addresses behind it). True when there is room then.
         */
        private boolean evictIdle(long now) {
            Iterator<Map.Entry<InetAddress, Entry>> it = map.entrySet().iterator();
            List<InetAddress> busy = new ArrayList<>();
            for (int looked = 0; looked < 8 && it.hasNext(); looked++) {
                Map.Entry<InetAddress, Entry> e = it.next();
                if (e.getValue().idle(now)) {
                    it.remove();
                } else {
                    busy.add(e.getKey());
                }
            }
            busy.forEach(map::get); // access order: to the most recently used end
            return map.size() < capacity;
        }
    }
}
