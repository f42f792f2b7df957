package org.tandemlb.core.backend;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * The result of one active health check of a server, kept as {@link Server#lastCheck()} for the
 * status API. The health checks of {@link org.tandemlb.core.health} make it from what their probe
 * saw; it lives here, with the server, so that the servers do not depend on the health checks.
 *
 * @param status   whether the check passed
 * @param type     the kind of check: {@code tcp}, {@code http} or {@code mysql}
 * @param message  what was seen, for people: {@code 200}, {@code 503}, {@code connection refused},
 *                 {@code timeout after 2000ms}, a MySQL server version or error
 * @param duration how long the check took
 * @param time     when it ended (wall-clock time)
 */
public record CheckResult(Status status, String type, String message, Duration duration, Instant time) {

    /** Whether a check passed. */
    public enum Status {
        /** The server answered as expected. */
        PASSED,
        /** It did not, or not in time. */
        FAILED;

        /** {@code passed} or {@code failed}, as in the status API. */
        public String apiName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Checks that no component is null. */
    public CheckResult {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(time, "time");
    }

    /** Whether the check passed. */
    public boolean passed() {
        return status == Status.PASSED;
    }

    /** {@code http check: 200 in 3ms}, or {@code http check: 503} for a failure. */
    @Override
    public String toString() {
        return type + " check: " + message + (passed() ? " in " + duration.toMillis() + "ms" : "");
    }
}
