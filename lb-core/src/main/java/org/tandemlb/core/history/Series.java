package org.tandemlb.core.history;

import java.time.Instant;
import java.util.Objects;

/**
 * The recent history of one frontend, backend or server, as {@link History} sampled it: the
 * {@code i}-th value of each array is the second that ended at about {@code start + i} seconds.
 * The arrays are copies, owned by the caller.
 *
 * @param scope             what {@code name} names
 * @param name              the frontend's or backend's name, or {@code backend/server}
 * @param start             when the first sample was taken; null when there is none yet
 * @param end               when the last sample was taken; null when there is none yet
 * @param requestsPerSecond requests (tcp: sessions) that ended during each second
 * @param errorsPerSecond   of those, responses with a 5xx status (Tandem's own 502, 503 and 504
 *                          included)
 * @param p50Millis         the median time from a request's arrival to the end of its response,
 *                          in milliseconds; NaN for a second without requests
 * @param p99Millis         the 99th percentile of the same; NaN for a second without requests
 */
public record Series(
        History.Scope scope,
        String name,
        Instant start,
        Instant end,
        float[] requestsPerSecond,
        float[] errorsPerSecond,
        float[] p50Millis,
        float[] p99Millis) {

    /** Checks that the arrays have one length and that the names are given. */
    public Series {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(name, "name");
        int n = requestsPerSecond.length;
        if (errorsPerSecond.length != n || p50Millis.length != n || p99Millis.length != n) {
            throw new IllegalArgumentException("the series of " + name + " differ in length");
        }
    }

    /** How many samples there are. */
    public int size() {
        return requestsPerSecond.length;
    }
}
