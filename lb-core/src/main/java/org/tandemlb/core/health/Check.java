package org.tandemlb.core.health;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * One kind of active probe of one server (a TCP connect, an HTTP request, a MySQL login). A
 * {@link ServerChecker} starts it every interval and enforces the overall timeout; the probe
 * itself only reports what it saw.
 */
public interface Check {

    /**
     * What one probe saw.
     *
     * @param passed  whether the server answered as expected
     * @param message what it answered, for people ({@code 503}, {@code connection refused})
     */
    record Outcome(boolean passed, String message) {
        /** Checks that the message is not null. */
        public Outcome {
            Objects.requireNonNull(message, "message");
        }

        /** A passed probe. */
        public static Outcome passed(String message) {
            return new Outcome(true, message);
        }

        /** A failed probe. */
        public static Outcome failed(String message) {
            return new Outcome(false, message);
        }
    }

    /** The kind of check for messages: {@code tcp}, {@code http} or {@code mysql}. */
    String type();

    /**
     * Starts one probe, on the scheduler's thread. {@code done} is called at most once, on the
     * same thread (possibly before this method returns); it is not called after the returned
     * handle was cancelled, which closes whatever the probe opened.
     */
    CheckScheduler.Cancellable start(Consumer<Outcome> done);
}
