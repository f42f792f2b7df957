package org.tandemlb.core.history;

/**
 * The buckets of {@link History}'s response-time histograms: four per power of two of
 * microseconds (at most 25 % apart, as HdrHistogram with two significant bits), from 4 µs to
 * about 2^28 µs (4.5 minutes); longer times count in the last bucket. An index is found with a
 * few shifts, with no search and no floating point, on the event loop of each request.
 */
final class Latency {
    /** Powers of two from 2^2 to 2^27 µs, four buckets each. */
    static final int BUCKETS = 26 * 4;

    private Latency() {}

    /** The bucket of a time in nanoseconds. */
    static int bucket(long nanos) {
        long micros = Math.max(4, nanos / 1000);
        int exponent = 63 - Long.numberOfLeadingZeros(micros); // floor(log2), at least 2
        if (exponent > 27) {
            return BUCKETS - 1;
        }
        int sub = (int) ((micros >>> (exponent - 2)) & 3);
        return (exponent - 2) * 4 + sub;
    }

    /** The smallest time of bucket {@code i}, in microseconds. */
    static long lowerMicros(int i) {
        return (4L + (i & 3)) << (i >> 2);
    }

    /** The time just past bucket {@code i}, in microseconds. */
    static long upperMicros(int i) {
        return (5L + (i & 3)) << (i >> 2);
    }

    /**
     * The {@code q} quantile (0 < q <= 1) of {@code total} times counted in {@code counts}, in
     * milliseconds, interpolated linearly inside its bucket; NaN when {@code total} is 0.
     */
    static float quantileMillis(long[] counts, long total, double q) {
        if (total <= 0) {
            return Float.NaN;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long below = 0;
        for (int i = 0; i < BUCKETS; i++) {
            long c = counts[i];
            if (c > 0 && below + c >= rank) {
                double within = (double) (rank - below) / c;
                double micros = lowerMicros(i) + (upperMicros(i) - lowerMicros(i)) * within;
                return (float) (micros / 1000.0);
            }
            below += c;
        }
        return (float) (upperMicros(BUCKETS - 1) / 1000.0);
    }
}
