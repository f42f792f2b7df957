package org.tandemlb.core.history;

import java.time.Instant;
import java.util.Objects;

/**
 * One entry of the {@link EventLog}.
 *
 * @param seq     its number: 1 for the first event of the log, then one more for each
 * @param time    when it was recorded (the log's clock)
 * @param type    what it is about
 * @param subject what it concerns: {@code backend/server}, a frontend, or a node's name
 * @param message what happened, for people: {@code up: http check: 200 in 3ms}
 */
public record Event(long seq, Instant time, EventType type, String subject, String message) {
    /** Checks that no component is null and that {@code seq} is positive. */
    public Event {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(message, "message");
        if (seq < 1) {
            throw new IllegalArgumentException("seq must be positive: " + seq);
        }
    }
}
