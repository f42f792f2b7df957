package org.tandemlb.cluster;

import java.util.function.LongSupplier;

/**
 * Notices that this process did not run for a while: a long GC, a frozen VM or a SIGSTOP resumed.
 * Every time-critical action (renewing a lease, claiming, the cluster's periodic work) calls
 * {@link #check} first, and a dedicated thread calls it every 100 ms; when two consecutive checks
 * are further apart on the monotonic clock than the threshold (the failure-detection timeout: by
 * then the peers may have replaced this node), the detector is {@linkplain #paused() paused}:
 * every check returns false until {@link #resume}, and {@code onPause} runs on the thread that
 * noticed, before that thread does anything else.
 */
public final class PauseDetector {
    private final LongSupplier ticker;
    private long thresholdNanos;
    private final Runnable onPause;
    private long last;
    private long pauses;
    private volatile boolean paused;

    /**
     * @param ticker    nanoseconds, monotonic ({@code System::nanoTime})
     * @param threshold the longest gap between checks that is not a pause, in nanoseconds
     * @param onPause   what to do at once after a pause (release the VIPs, then {@link #resume})
     */
    public PauseDetector(LongSupplier ticker, long threshold, Runnable onPause) {
        this.ticker = ticker;
        this.thresholdNanos = threshold;
        this.onPause = onPause;
        this.last = ticker.getAsLong();
    }

    /**
     * Returns true when the process ran normally since the last check; false while a pause is
     * being dealt with (the first caller to notice it runs {@code onPause} before returning).
     */
    public boolean check() {
        synchronized (this) {
            if (paused) {
                return false;
            }
            long now = ticker.getAsLong();
            long gap = now - last;
            last = now;
            if (gap <= thresholdNanos) {
                return true;
            }
            // Set under the lock: from here on every other thread's check fails, so nothing renews
            // or claims on stale state while onPause releases.
            paused = true;
            pauses++;
        }
        onPause.run();
        return false;
    }

    /** The longest gap between checks that is not a pause, in nanoseconds. */
    public synchronized long threshold() {
        return thresholdNanos;
    }

    /** Sets {@link #threshold()} (a reload changed the timings). */
    public synchronized void threshold(long nanos) {
        thresholdNanos = nanos;
    }

    /** Whether a pause is being dealt with. */
    public boolean paused() {
        return paused;
    }

    /** The pause has been dealt with: checks count from now. */
    public synchronized void resume() {
        last = ticker.getAsLong();
        paused = false;
    }

    /** How many pauses were noticed. */
    public synchronized long pauses() {
        return pauses;
    }
}
