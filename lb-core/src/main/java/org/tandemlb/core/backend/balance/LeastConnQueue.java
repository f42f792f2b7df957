package org.tandemlb.core.backend.balance;

import java.util.ArrayList;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code leastconn} order of a pool of servers, kept as their loads change, so that a pick
 * does not look at every server as {@link LeastConnBalancer}'s scan does. HAProxy keeps its
 * servers in an ebtree for the same reason.
 *
 * <p>The order is the one {@link LeastConnBalancer} documents: fewest active connections per unit
 * of weight, exactly. The owner tells the queue each server's load with {@link #update}; the
 * queue does not read it from the servers, so the order cannot change behind its back.
 *
 * <p><b>Levels.</b> Servers with exactly the same load share a <em>level</em>, a first-in
 * first-out list; the levels are in a binary min-heap by load, and found by load in a hash table.
 * The load {@code active / weight} is the integer {@code (active << 32) / weight}, which is exact:
 * two different loads with weights up to {@value #MAX_WEIGHT} differ by at least
 * {@code 1 / (weight1 * weight2) >= 2^-32}, so their keys differ and keep their order, and equal
 * loads (2 connections at weight 2, 1 at weight 1) have the same key; no floating point is
 * involved. The first server is the head of the lowest level: O(1). An update unlinks the server
 * from its level and appends it to the level of its new load, O(1) when that level exists and
 * the old one keeps other servers, which is the common case (servers under {@code leastconn}
 * have nearly equal loads, so few distinct levels); creating or dropping a level is O(log L) for
 * L levels, L at most the number of servers. Nothing is allocated once the pool's levels have
 * been seen: emptied levels are kept for reuse.
 *
 * <p><b>Ties.</b> An update appends the server at the tail of its level, behind every server of
 * equal load. A server updated after it was picked (its slot taken, then given back) therefore
 * goes behind the servers it ties with, so N tied servers get one pick each per N picks, as
 * with the scan's rotation, wherever the less- or more-loaded servers sit. What differs from the
 * scan: a server whose load changed for another reason (a connection ended) also goes behind the
 * servers it now ties with, as a server re-inserted into HAProxy's tree does.
 *
 * <p>Not thread-safe: its owner calls it under the backend's lock.
 *
 * @param <T> what the entries stand for (the servers)
 */
public final class LeastConnQueue<T> {

    /** The largest weight whose loads the queue orders exactly (the engine's is 256). */
    public static final int MAX_WEIGHT = 1 << 16;

    /** One server's place in a queue; created once per server and moved as its load changes. */
    public static final class Entry<T> {
        private final T value;
        /** The level it is in, or null while not queued. */
        private Level<T> level;

        private Entry<T> previous;
        private Entry<T> next;

        /** An entry for {@code value}, not queued yet. An entry belongs to one queue. */
        public Entry(T value) {
            this.value = Objects.requireNonNull(value);
        }

        /** The server this entry stands for. */
        public T value() {
            return value;
        }

        /** Whether the entry is in a queue now. */
        public boolean queued() {
            return level != null;
        }
    }

    /** The servers of one exact load, oldest update first. */
    private static final class Level<T> {
        long key;
        Entry<T> head;
        Entry<T> tail;
        /** The index in {@link #heap}. */
        int position;
        /** The next spare level, while this one is spare. */
        Level<T> nextSpare;
    }

    /** The non-empty levels, a min-heap by key. */
    private final ArrayList<Level<T>> heap = new ArrayList<>();
    /** The non-empty levels by key: open addressing, linear probing, at most half full. */
    private long[] tableKeys = new long[16];

    private Object[] tableLevels = new Object[16];
    private Level<T> spare;
    private int size;

    /** An empty queue. */
    public LeastConnQueue() {}

    /** The number of queued entries. */
    public int size() {
        return size;
    }

    /**
     * Queues {@code entry} with the load {@code active / weight}, or moves it there if it is
     * queued already; either way it goes behind every entry of equal load.
     *
     * @param active the server's active connections now, at least 0
     * @param weight the server's effective weight now, 1 to {@value #MAX_WEIGHT}
     */
    public void update(Entry<T> entry, int active, int weight) {
        if (active < 0 || weight < 1 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("active " + active + ", weight " + weight);
        }
        long key = ((long) active << 32) / weight;
        Level<T> old = entry.level;
        if (old != null) {
            unlink(entry);
            if (old.key == key) {
                append(old, entry);
                return;
            }
            if (old.head == null) {
                dropLevel(old);
            }
        } else {
            size++;
        }
        Level<T> level = find(key);
        append(level != null ? level : newLevel(key), entry);
    }

    /** Takes {@code entry} out of the queue; nothing when it is not queued. */
    public void remove(Entry<T> entry) {
        Level<T> level = entry.level;
        if (level == null) {
            return;
        }
        unlink(entry);
        entry.level = null;
        size--;
        if (level.head == null) {
            dropLevel(level);
        }
    }

    /** The least-loaded server, the earliest updated among equals; null when the queue is empty. */
    public T first() {
        return heap.isEmpty() ? null : heap.get(0).head.value;
    }

    /**
     * As {@link #first()}, among the servers not in {@code exclude} (those a retry already failed
     * on). Only the levels whose servers are all excluded are looked beneath (a level's subtree of
     * the heap holds only higher loads), so this looks at O({@code exclude.size()}) levels and
     * servers, whatever the size of the pool.
     */
    public T first(Set<?> exclude) {
        Entry<T> best = firstNotExcluded(0, exclude, null);
        return best == null ? null : best.value;
    }

    private Entry<T> firstNotExcluded(int at, Set<?> exclude, Entry<T> best) {
        if (at >= heap.size()) {
            return best;
        }
        Level<T> level = heap.get(at);
        if (best != null && best.level.key < level.key) {
            return best;
        }
        for (Entry<T> e = level.head; e != null; e = e.next) {
            if (!exclude.contains(e.value)) {
                return e;
            }
        }
        // Every server of this level is excluded; the recursion goes only through such levels.
        return firstNotExcluded(2 * at + 2, exclude, firstNotExcluded(2 * at + 1, exclude, best));
    }

    private void append(Level<T> level, Entry<T> entry) {
        entry.level = level;
        entry.next = null;
        entry.previous = level.tail;
        if (level.tail == null) {
            level.head = entry;
        } else {
            level.tail.next = entry;
        }
        level.tail = entry;
    }

    /** Unlinks {@code entry} from its level's list (its {@code level} is left for the caller). */
    private void unlink(Entry<T> entry) {
        Level<T> level = entry.level;
        if (entry.previous == null) {
            level.head = entry.next;
        } else {
            entry.previous.next = entry.next;
        }
        if (entry.next == null) {
            level.tail = entry.previous;
        } else {
            entry.next.previous = entry.previous;
        }
        entry.previous = null;
        entry.next = null;
    }

    private Level<T> newLevel(long key) {
        Level<T> level = spare;
        if (level != null) {
            spare = level.nextSpare;
            level.nextSpare = null;
        } else {
            level = new Level<>();
        }
        level.key = key;
        put(level);
        level.position = heap.size();
        heap.add(level);
        siftUp(level.position);
        return level;
    }

    private void dropLevel(Level<T> level) {
        delete(level.key);
        int at = level.position;
        Level<T> last = heap.remove(heap.size() - 1);
        if (last != level) {
            place(last, at);
            siftDown(siftUp(at));
        }
        level.nextSpare = spare;
        spare = level;
    }

    // The heap of levels. Keys are distinct: one level per load.

    private int siftUp(int at) {
        Level<T> level = heap.get(at);
        while (at > 0) {
            int parent = (at - 1) >>> 1;
            Level<T> p = heap.get(parent);
            if (p.key <= level.key) {
                break;
            }
            place(p, at);
            at = parent;
        }
        place(level, at);
        return at;
    }

    private void siftDown(int at) {
        Level<T> level = heap.get(at);
        int n = heap.size();
        while (true) {
            int child = 2 * at + 1;
            if (child >= n) {
                break;
            }
            Level<T> c = heap.get(child);
            if (child + 1 < n && heap.get(child + 1).key < c.key) {
                child++;
                c = heap.get(child);
            }
            if (c.key >= level.key) {
                break;
            }
            place(c, at);
            at = child;
        }
        place(level, at);
    }

    private void place(Level<T> level, int at) {
        heap.set(at, level);
        level.position = at;
    }

    // The table of levels by key.

    private static int slot(long key, int mask) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> 32) & mask;
    }

    private Level<T> find(long key) {
        int mask = tableKeys.length - 1;
        for (int i = slot(key, mask); tableLevels[i] != null; i = (i + 1) & mask) {
            if (tableKeys[i] == key) {
                return cast(tableLevels[i]);
            }
        }
        return null;
    }

    private void put(Level<T> level) {
        if (2 * (heap.size() + 1) > tableKeys.length) {
            long[] keys = tableKeys;
            Object[] levels = tableLevels;
            tableKeys = new long[2 * keys.length];
            tableLevels = new Object[2 * keys.length];
            for (Object l : levels) {
                if (l != null) {
                    insert(cast(l));
                }
            }
        }
        insert(level);
    }

    @SuppressWarnings("unchecked")
    private static <T> Level<T> cast(Object level) {
        return (Level<T>) level;
    }

    private void insert(Level<T> level) {
        int mask = tableKeys.length - 1;
        int i = slot(level.key, mask);
        while (tableLevels[i] != null) {
            i = (i + 1) & mask;
        }
        tableKeys[i] = level.key;
        tableLevels[i] = level;
    }

    /** Deletes {@code key}, moving back the entries of its run that would no longer be found. */
    private void delete(long key) {
        int mask = tableKeys.length - 1;
        int hole = slot(key, mask);
        while (tableKeys[hole] != key || tableLevels[hole] == null) {
            hole = (hole + 1) & mask;
        }
        tableLevels[hole] = null;
        for (int j = (hole + 1) & mask; tableLevels[j] != null; j = (j + 1) & mask) {
            int home = slot(tableKeys[j], mask);
            // The entry at j stays if its home lies cyclically in (hole, j]; else it fills the hole.
            boolean stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (!stays) {
                tableKeys[hole] = tableKeys[j];
                tableLevels[hole] = tableLevels[j];
                tableLevels[j] = null;
                hole = j;
            }
        }
    }
}
