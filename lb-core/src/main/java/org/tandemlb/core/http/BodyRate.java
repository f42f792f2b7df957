package org.tandemlb.core.http;

import java.util.function.LongSupplier;

/**
 * {@code limits.min_body_rate} for the request body being read: whether the client sends it too
 * slowly. The body must have come at the rate, on average, over the time since it began, less a
 * grace ({@code LimitsConfig.BODY_RATE_GRACE}): the deadline is the grace plus one second for
 * every {@code rate} bytes received, Apache's {@code mod_reqtimeout} {@code MinRate}. A trickle
 * of a byte now and then keeps {@code timeouts.client} (an inactivity timeout) from firing; it
 * cannot keep up a rate.
 *
 * <p>The time Tandem itself does not read the client (the server takes the body slower than the
 * client sends it, so reading pauses for back-pressure) does not count against the client.
 *
 * <p>Time comes from a ticker ({@link System#nanoTime()} in production). On the connection's
 * event loop only.
 */
final class BodyRate {
    private final long bytesPerSecond;
    private final long graceNanos;
    private final LongSupplier ticker;

    private boolean running;
    private long startNanos;
    private long received;
    /** Time during which Tandem did not read, before {@link #pausedSince}. */
    private long pausedNanos;
    /** When reading paused, or -1 while Tandem reads. */
    private long pausedSince = -1;

    /**
     * @param bytesPerSecond the minimum rate (more than 0)
     * @param graceNanos     how long a body may take before the rate counts
     */
    BodyRate(long bytesPerSecond, long graceNanos, LongSupplier ticker) {
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("a body rate must be more than 0 bytes a second");
        }
        this.bytesPerSecond = bytesPerSecond;
        this.graceNanos = graceNanos;
        this.ticker = ticker;
    }

    /** A body begins now (its head was read). */
    void start() {
        running = true;
        startNanos = ticker.getAsLong();
        received = 0;
        pausedNanos = 0;
        pausedSince = -1;
    }

    /** The body was read whole, or the connection stops reading it: nothing more is checked. */
    void stop() {
        running = false;
    }

    boolean running() {
        return running;
    }

    /** {@code bytes} of the body came. */
    void received(long bytes) {
        received += bytes;
    }

    /** Whether Tandem reads the client now: a pause for back-pressure is not the client's time. */
    void reading(boolean reading) {
        if (!running) {
            return;
        }
        if (!reading && pausedSince < 0) {
            pausedSince = ticker.getAsLong();
        } else if (reading && pausedSince >= 0) {
            pausedNanos += ticker.getAsLong() - pausedSince;
            pausedSince = -1;
        }
    }

    /** Whether the body, still being read, is now behind the rate. */
    boolean tooSlow() {
        if (!running) {
            return false;
        }
        long now = ticker.getAsLong();
        long paused = pausedNanos + (pausedSince >= 0 ? now - pausedSince : 0);
        long counted = now - startNanos - paused - graceNanos;
        if (counted <= 0) {
            return false;
        }
        // received / rate seconds of credit against counted nanoseconds, without overflow for any
        // body a long can count: compare in seconds as doubles (a rate is whole bytes a second).
        return received < (double) bytesPerSecond * counted / 1e9;
    }
}
