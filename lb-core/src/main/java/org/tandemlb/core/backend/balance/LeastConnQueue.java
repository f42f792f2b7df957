package org.tandemlb.core.backend.balance;

import java.util.ArrayList;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code leastconn} order of a pool of servers, kept as their loads change, so that a pick
 * costs O(1) and a change O(log n) however many servers there are, where
 * {@link LeastConnBalancer} scans them all on every pick. HAProxy keeps its servers in an ebtree
 * for the same reason; this is a binary min-heap in an array with each entry's position stored
 * in the entry, so that an entry whose load changed is moved in place and nothing is allocated
 * once the heap has grown to the pool's size.
 *
 * <p>The order is the one {@link LeastConnBalancer} documents: fewest active connections per unit
 * of weight, compared exactly by cross-multiplication in {@code long}. The owner tells the queue
 * each entry's load with {@link #update}; the queue does not read it from the servers, so the
 * order cannot change behind its back and the owner decides when a change is seen.
 *
 * <p>Ties are broken by turn: every {@link #update} gives the entry a new turn, later than every
 * other entry's, and of equal loads the earliest turn comes first. An entry updated after it was
 * picked therefore goes behind every entry of equal load, so N tied servers get one pick each per
 * N picks, as with the scan's rotation, and wherever the less- or more-loaded servers sit. What
 * differs from the scan: a server whose load changed for another reason (a connection ended)
 * also goes behind the servers it now ties with, as a server re-inserted into HAProxy's tree
 * does; the rotation among servers whose loads do not change is the same.
 *
 * <p>Not thread-safe: its owner calls it under the backend's lock.
 *
 * @param <T> what the entries stand for (the servers)
 */
public final class LeastConnQueue<T> {

    /** One server's place in a queue; created once per server and moved in place as its load changes. */
    public static final class Entry<T> {
        private final T value;
        /** The index in {@link #heap}, or -1 while not queued. */
        private int position = -1;

        private int active;
        private int weight;
        private long turn;

        /** An entry for {@code value}, not queued yet. */
        public Entry(T value) {
            this.value = Objects.requireNonNull(value);
        }

        /** The server this entry stands for. */
        public T value() {
            return value;
        }

        /** Whether the entry is in a queue now. */
        public boolean queued() {
            return position >= 0;
        }
    }

    private final ArrayList<Entry<T>> heap = new ArrayList<>();
    /** The last turn given out; a long, so it never wraps. */
    private long turns;

    /** An empty queue. */
    public LeastConnQueue() {}

    /** The number of queued entries. */
    public int size() {
        return heap.size();
    }

    /**
     * Queues {@code entry} with the load {@code active / weight}, or moves it there if it is
     * queued already; either way it goes behind every entry of equal load.
     *
     * @param active the server's active connections now, at least 0
     * @param weight the server's effective weight now, at least 1
     */
    public void update(Entry<T> entry, int active, int weight) {
        if (active < 0 || weight < 1) {
            throw new IllegalArgumentException("active " + active + ", weight " + weight);
        }
        entry.active = active;
        entry.weight = weight;
        entry.turn = ++turns;
        if (entry.position < 0) {
            entry.position = heap.size();
            heap.add(entry);
        }
        // The key may have gone either way: at most one of the two moves does anything.
        siftDown(siftUp(entry.position));
    }

    /** Takes {@code entry} out of the queue; nothing when it is not queued. */
    public void remove(Entry<T> entry) {
        int at = entry.position;
        if (at < 0) {
            return;
        }
        entry.position = -1;
        Entry<T> last = heap.remove(heap.size() - 1);
        if (last != entry) {
            place(last, at);
            siftDown(siftUp(at));
        }
    }

    /** The least-loaded server, the earliest turn among equals; null when the queue is empty. */
    public T first() {
        return heap.isEmpty() ? null : heap.get(0).value;
    }

    /**
     * As {@link #first()}, among the servers not in {@code exclude} (those a retry already failed
     * on). Only excluded entries are looked beneath (an entry's subtree holds nothing before it),
     * so this visits at most {@code 1 + 2 * exclude.size()} entries.
     */
    public T first(Set<?> exclude) {
        int best = firstNotExcluded(0, exclude, -1);
        return best < 0 ? null : heap.get(best).value;
    }

    private int firstNotExcluded(int at, Set<?> exclude, int best) {
        if (at >= heap.size()) {
            return best;
        }
        Entry<T> e = heap.get(at);
        if (!exclude.contains(e.value)) {
            return best < 0 || before(e, heap.get(best)) ? at : best;
        }
        // The recursion goes only through excluded entries, so it is at most exclude.size() deep.
        return firstNotExcluded(2 * at + 2, exclude, firstNotExcluded(2 * at + 1, exclude, best));
    }

    /** Whether {@code a} comes before {@code b}: strictly less loaded, or equally loaded and an earlier turn. */
    private static boolean before(Entry<?> a, Entry<?> b) {
        long aLoad = (long) a.active * b.weight;
        long bLoad = (long) b.active * a.weight;
        return aLoad != bLoad ? aLoad < bLoad : a.turn < b.turn;
    }

    private int siftUp(int at) {
        Entry<T> e = heap.get(at);
        while (at > 0) {
            int parent = (at - 1) >>> 1;
            Entry<T> p = heap.get(parent);
            if (!before(e, p)) {
                break;
            }
            place(p, at);
            at = parent;
        }
        place(e, at);
        return at;
    }

    private void siftDown(int at) {
        Entry<T> e = heap.get(at);
        int size = heap.size();
        while (true) {
            int child = 2 * at + 1;
            if (child >= size) {
                break;
            }
            Entry<T> c = heap.get(child);
            if (child + 1 < size && before(heap.get(child + 1), c)) {
                child++;
                c = heap.get(child);
            }
            if (!before(c, e)) {
                break;
            }
            place(c, at);
            at = child;
        }
        place(e, at);
    }

    private void place(Entry<T> e, int at) {
        heap.set(at, e);
        e.position = at;
    }
}
