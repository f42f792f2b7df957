package org.tandemlb.core.proxy;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One timer per connection side, driven by its event loop: fires {@code action} once no activity
 * was {@linkplain #touch() recorded} for the timeout. Like Netty's {@code IdleStateHandler} it
 * does not reschedule on every read: when it wakes up early it sleeps again for the remainder.
 * A deadline (that activity does not push back) is the same timer without touches.
 *
 * <p>Used only from its event loop; not thread-safe.
 */
public final class InactivityTimer {
    private final EventLoop loop;
    private ScheduledFuture<?> future;
    private long timeoutNanos;
    private long lastActivity;
    private Runnable action;
    private int generation;

    /** A stopped timer on {@code loop}. */
    public InactivityTimer(EventLoop loop) {
        this.loop = loop;
    }

    /** (Re)starts the timer: {@code action} runs after {@code timeout} without activity. */
    public void start(Duration timeout, Runnable onTimeout) {
        stop();
        this.timeoutNanos = timeout.toNanos();
        this.action = onTimeout;
        this.lastActivity = System.nanoTime();
        schedule(timeoutNanos, ++generation);
    }

    /** Records activity: pushes the timeout back. */
    public void touch() {
        lastActivity = System.nanoTime();
    }

    /** Stops the timer. */
    public void stop() {
        generation++;
        if (future != null) {
            future.cancel(false);
            future = null;
        }
        action = null;
    }

    /** Whether the timer is running. */
    public boolean running() {
        return action != null;
    }

    private void schedule(long delayNanos, int gen) {
        future = loop.schedule(() -> fire(gen), delayNanos, TimeUnit.NANOSECONDS);
    }

    private void fire(int gen) {
        if (gen != generation || action == null) {
            return;
        }
        long idle = System.nanoTime() - lastActivity;
        if (idle < timeoutNanos) {
            schedule(timeoutNanos - idle, gen);
            return;
        }
        Runnable a = action;
        action = null;
        future = null;
        a.run();
    }
}
