package org.tandemlb.core.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import org.tandemlb.core.proxy.ClientGuard;
import org.tandemlb.core.proxy.Closing;
import org.tandemlb.core.proxy.Refusal;

/**
 * How an {@link Http1Connection} stops serving: with an answer of Tandem's own (a refusal before
 * an exchange, counted and logged here; an error for a failed exchange, counted by its status),
 * after what was written has gone out, or with a lingering close after an early answer. Each way
 * stops the connection's deadlines and drops what was read ahead; each answer says
 * {@code Connection: close} and the close waits for it to go out (or for the client timeout).
 *
 * <p>On the connection's event loop only.
 */
final class Http1Answers {
    /** How long a client answered before its request's end may go on sending (Nginx: 5 s). */
    private static final Duration LINGER = Duration.ofSeconds(5);

    private final Channel client;
    private final ClientIdentity identity;
    /** The frontend's refusal counts and per-client table. */
    private final ClientGuard guard;

    private final ActivityTap tap;
    private final ClientDeadlines deadlines;
    private final Http1Reading reading;

    Http1Answers(
            Channel client, ClientIdentity identity, ActivityTap tap, ClientDeadlines deadlines, Http1Reading reading) {
        this.client = client;
        this.identity = identity;
        this.guard = ClientGuard.of(client);
        this.tap = tap;
        this.deadlines = deadlines;
        this.reading = reading;
    }

    /**
     * Answers a request before it got an exchange with {@code answer} and closes, logged as
     * {@code termination} and counted as {@code refusal} (none when null) ({@code req} null when
     * its head did not come whole or was invalid).
     */
    void refuse(HttpRequest req, FullHttpResponse answer, String termination, Refusal refusal) {
        if (refusal != null) {
            guard.refused(refusal);
        }
        tap.logRefused(req, answer.status().code(), termination);
        answerAndClose(ErrorPages.apply(answer, identity, null));
    }

    /**
     * Answers the failure of exchange {@code failed} with {@code status} (or, once its response
     * has started, cuts it short) and closes. Counted by the status that answers it (none for a
     * 502, 503 or 504, the servers' failures); a refusal before the exchange is counted by
     * {@link #refuse}, under the reason its decision gives.
     */
    void failed(HttpResponseStatus status, Exchange failed, boolean responseStarted) {
        Refusal r = Refusal.of(status);
        if (r != null) {
            guard.refused(r);
        }
        if (responseStarted || !client.isActive()) {
            answerAndClose(null); // the part of the response already written, as far as it went
        } else {
            answerAndClose(ErrorPages.apply(ErrorResponses.of(client.alloc(), status), identity, failed));
        }
    }

    /** Closes once what was written has gone out (or the client timeout is over). */
    void close() {
        answerAndClose(null);
    }

    /**
     * Closes after a response that came before its request's end (an early 200 to an upload,
     * say): the client may still be sending, which a plain close would answer with a reset.
     */
    void linger() {
        deadlines.stop();
        reading.release();
        Closing.lingeringClose(client, LINGER);
    }

    /**
     * Closes at once but for what was written and waits for the deferred flush (a response that
     * just ended, before a drain closes the idle connection).
     */
    void abort() {
        deadlines.stop();
        Closing.afterWrites(client, deadlines.timeouts().client());
    }

    /**
     * Writes an answer of Tandem's own (which says {@code Connection: close}), if not null, and
     * closes once what was written has gone out (or the client timeout is over).
     */
    private void answerAndClose(FullHttpResponse response) {
        deadlines.stop();
        reading.release();
        if (response == null) {
            Closing.afterWrites(client, deadlines.timeouts().client());
        } else {
            Closing.writeAndClose(client, response, deadlines.timeouts().client());
        }
    }
}
