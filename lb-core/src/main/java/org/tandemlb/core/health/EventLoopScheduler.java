package org.tandemlb.core.health;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The production {@link CheckScheduler}: one Netty event loop, which also carries the server's
 * check connections, so a check's timers and I/O share one thread.
 *
 * <p>Tasks offered to a loop that is shutting down are dropped: that happens only while the
 * load balancer stops, when no check matters any more.
 */
public final class EventLoopScheduler implements CheckScheduler {
    private final EventLoop loop;
    private final LongSupplier ticker;

    /**
     * @param loop   the event loop to run on
     * @param ticker the time source of {@link #nanoTime()}
     */
    public EventLoopScheduler(EventLoop loop, LongSupplier ticker) {
        this.loop = Objects.requireNonNull(loop, "loop");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
    }

    /** The event loop. */
    public EventLoop loop() {
        return loop;
    }

    @Override
    public Cancellable schedule(Runnable task, Duration delay) {
        try {
            if (delay.isZero() || delay.isNegative()) {
                loop.execute(task);
                return () -> {};
            }
            ScheduledFuture<?> f = loop.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        } catch (RejectedExecutionException e) {
            return () -> {};
        }
    }

    @Override
    public long nanoTime() {
        return ticker.getAsLong();
    }
}
