package org.tandemlb.core.health;

import java.time.Duration;

/**
 * The clock and timer the checks of one server run on. Everything a {@link ServerChecker} does
 * happens on the scheduler's single thread, so its state needs no lock. In production this is
 * one of the load balancer's event loops ({@link EventLoopScheduler}); tests use a manual,
 * virtual-time implementation, so that intervals, rise and fall are tested without sleeping.
 */
public interface CheckScheduler {

    /** Something scheduled or started that can be called off. */
    @FunctionalInterface
    interface Cancellable {
        /** Calls it off; does nothing when it already ran or was cancelled. */
        void cancel();
    }

    /** Runs {@code task} on the scheduler's thread after {@code delay} (zero: as soon as possible). */
    Cancellable schedule(Runnable task, Duration delay);

    /** Runs {@code task} on the scheduler's thread as soon as possible. */
    default void execute(Runnable task) {
        schedule(task, Duration.ZERO);
    }

    /** The current time in nanoseconds, from an arbitrary origin, like {@link System#nanoTime()}. */
    long nanoTime();
}
