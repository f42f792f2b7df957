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
 * <p>It is also lazy about its wake-up, because a keep-alive connection restarts its timers
 * several times per request (request head, request body, response, idle) and adding and
 * removing a task of the event loop's scheduled-task queue each time costs more than the
 * request's own parsing. {@link #start} keeps the pending wake-up when it comes no later than the
 * new deadline (it then sleeps again for the remainder); {@link #stop} leaves it pending, and it
 * does nothing when it fires. So a connection has at most one wake-up pending, and in steady
 * keep-alive traffic the queue is not touched at all. {@link #cancel} removes it, for a
 * connection that closes.
 *
 * <p>Used only from its event loop; not thread-safe.
 */
public final class InactivityTimer {
    private final EventLoop loop;
    /** The pending wake-up, or null. */
    private ScheduledFuture<?> future;
    /** When {@link #future} runs ({@link System#nanoTime()} time). */
    private long wakeAt;

    private long timeoutNanos;
    private long lastActivity;
    /** What to do on expiry; null while stopped. */
    private Runnable action;

    private final Runnable wakeUp = this::fire;

    /** A stopped timer on {@code loop}. */
    public InactivityTimer(EventLoop loop) {
        this.loop = loop;
    }

    /** (Re)starts the timer: {@code action} runs after {@code timeout} without activity. */
    public void start(Duration timeout, Runnable onTimeout) {
        start(timeout.toNanos(), onTimeout);
    }

    /** (Re)starts the timer: {@code action} runs after {@code nanos} nanoseconds without activity. */
    public void start(long nanos, Runnable onTimeout) {
        long now = System.nanoTime();
        this.timeoutNanos = nanos;
        this.action = onTimeout;
        this.lastActivity = now;
        long due = now + nanos;
        if (future != null) {
            if (wakeAt - due <= 0) {
                return; // wakes up first, then sleeps again for the rest
            }
            future.cancel(false);
        }
        schedule(now, nanos);
    }

    /** Records activity: pushes the timeout back. */
    public void touch() {
        lastActivity = System.nanoTime();
    }

    /** Stops the timer; a pending wake-up stays queued and does nothing (see the class comment). */
    public void stop() {
        action = null;
    }

    /** Stops the timer and removes its pending wake-up: for a connection that closes. */
    public void cancel() {
        action = null;
        if (future != null) {
            future.cancel(false);
            future = null;
        }
    }

    /** Whether the timer is running. */
    public boolean running() {
        return action != null;
    }

    private void schedule(long now, long delayNanos) {
        wakeAt = now + delayNanos;
        future = loop.schedule(wakeUp, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void fire() {
        future = null;
        if (action == null) {
            return;
        }
        long now = System.nanoTime();
        long idle = now - lastActivity;
        if (idle < timeoutNanos) {
            schedule(now, timeoutNanos - idle);
            return;
        }
        Runnable a = action;
        action = null;
        a.run();
    }
}
