package org.tandemlb.core.history;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The last {@value #CAPACITY} events of a load balancer, numbered from 1 in the order they were
 * recorded: the engine records its servers' health, admin-state and weight changes; the program
 * around it (the daemon) records reloads, configuration errors and cluster events. Older events
 * are dropped, so memory is bounded whatever the rate.
 *
 * <p>Thread-safe: {@link #record} takes a short lock (a few field writes, no I/O), so it may be
 * called from event loops; readers copy what they ask for under the same lock.
 */
public final class EventLog {
    /** How many events are kept. */
    public static final int CAPACITY = 1000;

    private final Clock clock;
    private final Event[] ring = new Event[CAPACITY];
    /** The sequence number of the next event; guarded by this. */
    private long next = 1;

    /** An empty log whose events are stamped with {@code clock}. */
    public EventLog(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The clock events are stamped with (also the time of a server's health changes). */
    public Clock clock() {
        return clock;
    }

    /** Records an event now and returns it. */
    public Event record(EventType type, String subject, String message) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(message, "message");
        synchronized (this) {
            Event e = new Event(next, clock.instant(), type, subject, message);
            ring[(int) ((next - 1) % CAPACITY)] = e;
            next++;
            return e;
        }
    }

    /** The number of the last event recorded, 0 before the first. */
    public synchronized long lastSeq() {
        return next - 1;
    }

    /**
     * The events numbered after {@code seq}, oldest first, at most {@code limit} of them (the
     * oldest ones: asking again with the last number returned gives the rest, nothing skipped
     * while they are still kept). {@code seq} 0 starts from the oldest event kept.
     */
    public synchronized List<Event> after(long seq, int limit) {
        requireLimit(limit);
        long first = Math.max(Math.max(seq, 0) + 1, oldestKept());
        long end = Math.min(next, first + limit);
        return copy(first, end);
    }

    /** The {@code limit} latest events, oldest first. */
    public synchronized List<Event> latest(int limit) {
        requireLimit(limit);
        long first = Math.max(oldestKept(), next - limit);
        return copy(first, next);
    }

    private long oldestKept() {
        return Math.max(1, next - CAPACITY);
    }

    private List<Event> copy(long from, long to) {
        List<Event> out = new ArrayList<>((int) Math.max(0, to - from));
        for (long s = from; s < to; s++) {
            out.add(ring[(int) ((s - 1) % CAPACITY)]);
        }
        return out;
    }

    private static void requireLimit(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
    }
}
