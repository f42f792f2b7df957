package org.tandemlb.core.health;

import java.time.Duration;
import java.util.PriorityQueue;

/**
 * A {@link CheckScheduler} on virtual time for tests: nothing runs until the test advances the
 * clock, and then the due tasks run on the test's thread in time order (first scheduled first
 * at equal times). Also the ticker of the servers' slow start ({@code this::nanoTime}).
 */
final class ManualScheduler implements CheckScheduler {
    private record Task(long due, long seq, Runnable run, boolean[] cancelled) {}

    private final PriorityQueue<Task> tasks =
            new PriorityQueue<>((a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
    private long now = 1_000_000_000L; // an arbitrary origin, as System.nanoTime()'s
    private long seq;

    @Override
    public Cancellable schedule(Runnable task, Duration delay) {
        boolean[] cancelled = {false};
        tasks.add(new Task(now + Math.max(0, delay.toNanos()), seq++, task, cancelled));
        return () -> cancelled[0] = true;
    }

    @Override
    public long nanoTime() {
        return now;
    }

    /** Runs what is due now, including what that schedules for now. */
    void runDue() {
        advance(Duration.ZERO);
    }

    /** Moves the clock forward by {@code d}, running every task that falls due on the way, at its due time. */
    void advance(Duration d) {
        long target = now + d.toNanos();
        while (!tasks.isEmpty() && tasks.peek().due <= target) {
            Task t = tasks.poll();
            now = Math.max(now, t.due);
            if (!t.cancelled[0]) {
                t.run.run();
            }
        }
        now = target;
    }

    /** The time elapsed since the origin, for messages. */
    Duration elapsed() {
        return Duration.ofNanos(now - 1_000_000_000L);
    }

    /** Tasks waiting that were not cancelled. */
    long pending() {
        return tasks.stream().filter(t -> !t.cancelled[0]).count();
    }
}
