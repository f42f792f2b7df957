package org.tandemlb.core.http;

import io.netty.channel.EventLoop;
import org.tandemlb.core.config.Timeouts;
import org.tandemlb.core.proxy.InactivityTimer;

/**
 * The timeouts of an HTTP/1.1 client connection, HAProxy's, on the connection's one timer:
 * {@code http_request} for a request head, from its first byte (a connection that sends nothing
 * in that time is closed without an answer: a browser's pre-connect is not an error);
 * {@code keep_alive} between requests; {@code client} for inactivity while a request body
 * arrives. A head's deadline is not pushed back by a trickle (slowloris); a body's is.
 *
 * <p>On the connection's event loop only.
 */
final class ClientDeadlines {
    private final InactivityTimer timer;
    private final Timeouts timeouts;
    private final Runnable headTimedOut;
    private final Runnable clientTimedOut;
    private final Runnable idleTimedOut;
    /** Whether the head deadline runs for the head being read (see {@link #headIncomplete}). */
    private boolean headArmed;

    /**
     * @param headTimedOut   what to do when a head is not whole in time, or nothing came
     * @param clientTimedOut what to do when a request body stops arriving
     * @param idleTimedOut   what to do when no next request came within {@code keep_alive}
     */
    ClientDeadlines(
            EventLoop loop, Timeouts timeouts, Runnable headTimedOut, Runnable clientTimedOut, Runnable idleTimedOut) {
        this.timer = new InactivityTimer(loop);
        this.timeouts = timeouts;
        this.headTimedOut = headTimedOut;
        this.clientTimedOut = clientTimedOut;
        this.idleTimedOut = idleTimedOut;
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

    /** A request's body may follow: the client must not stay silent for {@code client}. */
    void awaitBody() {
        timer.start(timeouts.client(), clientTimedOut);
    }

    /** Bytes of a request body came. */
    void touch() {
        timer.touch();
    }

    /** A response ended: the next request must begin within {@code keep_alive}. */
    void idle() {
        timer.start(timeouts.keepAlive(), idleTimedOut);
    }

    /** Nothing is awaited from the client (the request was read whole, or the connection closes). */
    void stop() {
        timer.stop();
    }

    /** The connection closed or left HTTP: the timer's wake-up goes too. */
    void cancel() {
        timer.cancel();
    }
}
