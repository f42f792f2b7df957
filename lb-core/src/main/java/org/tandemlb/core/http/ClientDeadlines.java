package org.tandemlb.core.http;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.tandemlb.core.config.LimitsConfig;
import org.tandemlb.core.config.Timeouts;
import org.tandemlb.core.proxy.InactivityTimer;

/**
 * The timeouts of an HTTP/1.1 client connection, HAProxy's, on the connection's one timer:
 * {@code http_request} for a request head, from its first byte (a connection that sends nothing
 * in that time is closed without an answer: a browser's pre-connect is not an error);
 * {@code keep_alive} between requests; {@code client} for inactivity while a request body
 * arrives. A head's deadline is not pushed back by a trickle (slowloris); a body's is, but with
 * {@code limits.min_body_rate} a body must also keep up that rate ({@link BodyRate}), checked
 * once a second while a body arrives.
 *
 * <p>On the connection's event loop only.
 */
final class ClientDeadlines {
    /** How often a body's rate is checked. */
    private static final long RATE_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final EventLoop loop;
    private final InactivityTimer timer;
    private final Timeouts timeouts;
    private final Runnable headTimedOut;
    private final Runnable clientTimedOut;
    private final Runnable idleTimedOut;
    /** {@code limits.min_body_rate}, or null when there is none. */
    private final BodyRate bodyRate;
    /** What to do when a body falls behind {@link #bodyRate}. */
    private final Runnable bodyTooSlow;
    /** The pending rate check, while a body arrives. */
    private ScheduledFuture<?> rateCheck;
    /** Whether the head deadline runs for the head being read (see {@link #headIncomplete}). */
    private boolean headArmed;

    /**
     * @param headTimedOut   what to do when a head is not whole in time, or nothing came
     * @param clientTimedOut what to do when a request body stops arriving
     * @param idleTimedOut   what to do when no next request came within {@code keep_alive}
     * @param limits         the frontend's limits ({@code min_body_rate})
     * @param bodyTooSlow    what to do when a request body falls behind {@code min_body_rate}
     */
    ClientDeadlines(
            EventLoop loop,
            Timeouts timeouts,
            Runnable headTimedOut,
            Runnable clientTimedOut,
            Runnable idleTimedOut,
            LimitsConfig limits,
            Runnable bodyTooSlow) {
        this.loop = loop;
        this.timer = new InactivityTimer(loop);
        this.timeouts = timeouts;
        this.headTimedOut = headTimedOut;
        this.clientTimedOut = clientTimedOut;
        this.idleTimedOut = idleTimedOut;
        this.bodyRate = limits.minBodyRate() > 0
                ? new BodyRate(limits.minBodyRate(), LimitsConfig.BODY_RATE_GRACE.toNanos(), System::nanoTime)
                : null;
        this.bodyTooSlow = bodyTooSlow;
    }

    Timeouts timeouts() {
        return timeouts;
    }

    /** A head is due within {@code http_request} from now (a new connection, a pipelined request). */
    void awaitHead() {
        timer.start(timeouts.httpRequest(), headTimedOut);
        headArmed = true;
    }

    /**
     * The first bytes of a head came after an idle wait. Its deadline is armed at the end of this
     * read if the head is not whole by then: usually it is, and re-arming the timer for every
     * request costs (see {@link InactivityTimer}).
     */
    void headStarted() {
        headArmed = false;
    }

    /** A read ended with part of a head that began at {@code startNanos}: the rest is due in time. */
    void headIncomplete(long startNanos) {
        if (!headArmed) {
            headArmed = true;
            long left = timeouts.httpRequest().toNanos() - (System.nanoTime() - startNanos);
            timer.start(Math.max(0, left), headTimedOut);
        }
    }

    /**
     * A request's body may follow: the client must not stay silent for {@code client}, and must
     * keep up {@code min_body_rate}.
     */
    void awaitBody() {
        timer.start(timeouts.client(), clientTimedOut);
        if (bodyRate != null) {
            bodyRate.start();
        }
    }

    /**
     * The client sent more while a request is in flight. The rate checks start with the first
     * read after the head, so that a request without a body (read whole with its head) costs no
     * scheduled task.
     */
    void touch() {
        timer.touch();
        if (bodyRate != null && bodyRate.running() && rateCheck == null) {
            rateCheck =
                    loop.scheduleAtFixedRate(this::checkRate, RATE_CHECK_NANOS, RATE_CHECK_NANOS, TimeUnit.NANOSECONDS);
        }
    }

    /** {@code bytes} of the request body were decoded (those that came with its head too). */
    void bodyReceived(long bytes) {
        if (bodyRate != null && bodyRate.running()) {
            bodyRate.received(bytes);
        }
    }

    /** Whether the client is read now: a pause for back-pressure does not count against its rate. */
    void reading(boolean reading) {
        if (bodyRate != null) {
            bodyRate.reading(reading);
        }
    }

    private void checkRate() {
        if (bodyRate.tooSlow()) {
            stopRate();
            timer.stop();
            bodyTooSlow.run();
        }
    }

    private void stopRate() {
        if (bodyRate != null) {
            bodyRate.stop();
            if (rateCheck != null) {
                rateCheck.cancel(false);
                rateCheck = null;
            }
        }
    }

    /** A response ended: the next request must begin within {@code keep_alive}. */
    void idle() {
        timer.start(timeouts.keepAlive(), idleTimedOut);
    }

    /** Nothing is awaited from the client (the request was read whole, or the connection closes). */
    void stop() {
        timer.stop();
        stopRate();
    }

    /** The connection closed or left HTTP: the timer's wake-up goes too. */
    void cancel() {
        timer.cancel();
        stopRate();
    }
}
