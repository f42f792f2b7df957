package org.tandemlb.core.history;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;
import org.tandemlb.core.accesslog.AccessListener;
import org.tandemlb.core.accesslog.AccessLogEntry;
import org.tandemlb.core.config.Mode;

/**
 * The last ten minutes of traffic of every frontend, backend and server, one sample per second:
 * requests/s, 5xx responses/s, and the median (p50) and 99th percentile (p99) of response times.
 *
 * <p>It counts what the engine reports of every finished request or tcp session (it is an
 * {@link AccessListener}, as the metrics are): per subject, a histogram of response times with
 * {@value Latency#BUCKETS} buckets and a count of 5xx, only atomic increments on the event loop.
 * {@link #sample()}, called once per second (the load balancer schedules it), turns what was
 * counted since the last sample into rates and percentiles and writes them into a ring of
 * {@value #SAMPLES} slots. The ring of a subject is one {@code float} array, allocated once: memory
 * is bounded by the number of subjects (about 10 KB each, measured in {@code HistoryTest}),
 * whatever the traffic and however long it runs.
 *
 * <p>{@link #sync} follows the configuration: subjects that stay keep their history (by name),
 * new ones start empty, removed ones are dropped. Time comes from the clock (the samples' wall
 * time) and the ticker (the length of each interval, in nanoseconds) given, so a test drives it
 * without waiting.
 *
 * <p>Thread-safe: recording is lock-free; sampling, {@link #sync} and the reads take this
 * object's lock, the reads of many subjects one subject at a time.
 */
public final class History implements AccessListener {
    /** Samples kept per subject: ten minutes at one per second. */
    public static final int SAMPLES = 600;

    /** The four series of a subject, in the order of its ring. */
    private static final int REQUESTS = 0;

    private static final int ERRORS = 1;
    private static final int P50 = 2;
    private static final int P99 = 3;
    private static final int SERIES = 4;

    /** What a series is the history of. */
    public enum Scope {
        /** A frontend, by name. */
        FRONTEND,
        /** A backend, by name: every request it served, whichever server (or none) answered. */
        BACKEND,
        /** A server, as {@code backend/server}. */
        SERVER;

        /** {@code frontend}, {@code backend} or {@code server}, as in the admin API. */
        public String apiName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Clock clock;
    private final LongSupplier ticker;

    // Replaced whole by sync, read without a lock by the event loops.
    private volatile Map<String, Subject> frontends = Map.of();
    private volatile Map<String, Subject> backends = Map.of();
    private volatile Map<String, Map<String, Subject>> servers = Map.of();

    // Guarded by this.
    private final long[] times = new long[SAMPLES];
    private final long[] scratch = new long[Latency.BUCKETS + 1];
    private long taken;
    private long lastTick;

    /**
     * An empty history.
     *
     * @param clock  the wall time of each sample
     * @param ticker nanoseconds with an arbitrary origin ({@link System#nanoTime()}), to measure
     *               the interval between samples
     */
    public History(Clock clock, LongSupplier ticker) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.lastTick = ticker.getAsLong();
    }

    /**
     * Follows a new configuration: the history of exactly these frontends, backends and servers is
     * kept from now on, that of the ones which stay is kept.
     *
     * @param frontendNames the frontends' names
     * @param serverNames   each backend's name and its servers' names, in configuration order
     */
    public synchronized void sync(
            Collection<String> frontendNames, Map<String, ? extends Collection<String>> serverNames) {
        Map<String, Subject> f = new LinkedHashMap<>();
        for (String name : frontendNames) {
            f.put(name, keep(frontends.get(name)));
        }
        Map<String, Subject> b = new LinkedHashMap<>();
        Map<String, Map<String, Subject>> s = new LinkedHashMap<>();
        for (Map.Entry<String, ? extends Collection<String>> e : serverNames.entrySet()) {
            b.put(e.getKey(), keep(backends.get(e.getKey())));
            Map<String, Subject> old = servers.getOrDefault(e.getKey(), Map.of());
            Map<String, Subject> list = new LinkedHashMap<>();
            for (String server : e.getValue()) {
                list.put(server, keep(old.get(server)));
            }
            s.put(e.getKey(), list);
        }
        frontends = f;
        backends = b;
        servers = s;
    }

    private Subject keep(Subject existing) {
        return existing != null ? existing : new Subject(taken);
    }

    /** Counts a finished request or tcp session (on its event loop: a few atomic increments). */
    @Override
    public void ended(AccessLogEntry e) {
        int bucket = Latency.bucket(e.totalNanos());
        boolean error = e.mode() == Mode.HTTP && e.status() >= 500 && e.status() < 600;
        Subject f = frontends.get(e.frontend());
        if (f != null) {
            f.count(bucket, error);
        }
        if (e.backend() != null) {
            Subject b = backends.get(e.backend());
            if (b != null) {
                b.count(bucket, error);
            }
            if (e.server() != null) {
                Subject s = servers.getOrDefault(e.backend(), Map.of()).get(e.server());
                if (s != null) {
                    s.count(bucket, error);
                }
            }
        }
    }

    /**
     * Takes a sample: what was counted since the previous one, as rates over the time that passed
     * (by the ticker) and percentiles, goes into the next slot of every subject's ring.
     */
    public synchronized void sample() {
        long now = ticker.getAsLong();
        double seconds = Math.max(1e-3, (now - lastTick) / 1e9);
        lastTick = now;
        int slot = (int) (taken % SAMPLES);
        times[slot] = clock.millis();
        for (Subject s : frontends.values()) {
            s.sample(slot, seconds, scratch);
        }
        for (Subject s : backends.values()) {
            s.sample(slot, seconds, scratch);
        }
        for (Map<String, Subject> list : servers.values()) {
            for (Subject s : list.values()) {
                s.sample(slot, seconds, scratch);
            }
        }
        taken++;
    }

    /**
     * The last {@code points} samples (at most {@link #SAMPLES}) of one subject, or empty when
     * there is no such frontend, backend or server ({@code backend/server}).
     */
    public Optional<Series> series(Scope scope, String name, int points) {
        Objects.requireNonNull(name, "name");
        Subject s;
        if (scope == Scope.SERVER) {
            int slash = name.indexOf('/');
            s = slash < 0
                    ? null
                    : servers.getOrDefault(name.substring(0, slash), Map.of()).get(name.substring(slash + 1));
        } else {
            s = subjects(scope).get(name);
        }
        return s == null ? Optional.empty() : Optional.of(copy(scope, name, s, points));
    }

    /** The last {@code points} samples of every subject of {@code scope}, in configuration order. */
    public List<Series> series(Scope scope, int points) {
        List<Series> out = new ArrayList<>();
        subjects(scope).forEach((name, s) -> out.add(copy(scope, name, s, points)));
        return out;
    }

    private Map<String, Subject> subjects(Scope scope) {
        Objects.requireNonNull(scope, "scope");
        return switch (scope) {
            case FRONTEND -> frontends;
            case BACKEND -> backends;
            case SERVER -> {
                Map<String, Subject> all = new LinkedHashMap<>();
                servers.forEach((backend, list) -> list.forEach((server, s) -> all.put(backend + "/" + server, s)));
                yield all;
            }
        };
    }

    /** One subject's samples, copied under the lock (a sample never lands half-copied). */
    private synchronized Series copy(Scope scope, String name, Subject s, int points) {
        if (points < 0) {
            throw new IllegalArgumentException("points must not be negative: " + points);
        }
        long available = Math.min(Math.min(SAMPLES, taken), taken - s.firstSample);
        int n = (int) Math.min(points, available);
        float[][] out = new float[SERIES][n];
        long first = taken - n;
        for (int i = 0; i < n; i++) {
            int slot = (int) ((first + i) % SAMPLES);
            for (int k = 0; k < SERIES; k++) {
                out[k][i] = s.ring[k * SAMPLES + slot];
            }
        }
        Instant start = n == 0 ? null : Instant.ofEpochMilli(times[(int) (first % SAMPLES)]);
        Instant end = n == 0 ? null : Instant.ofEpochMilli(times[(int) ((taken - 1) % SAMPLES)]);
        return new Series(scope, name, start, end, out[REQUESTS], out[ERRORS], out[P50], out[P99]);
    }

    /** What is kept of one frontend, backend or server. */
    private static final class Subject {
        /** Counts since the last sample: one per latency bucket, then the 5xx responses. */
        private final AtomicLongArray live = new AtomicLongArray(Latency.BUCKETS + 1);
        /** The ring: {@link #SERIES} runs of {@link #SAMPLES} values; guarded by the History. */
        private final float[] ring = new float[SERIES * SAMPLES];
        /** The number of samples the history had taken when this subject appeared. */
        private final long firstSample;

        Subject(long firstSample) {
            this.firstSample = firstSample;
        }

        void count(int bucket, boolean error) {
            live.incrementAndGet(bucket);
            if (error) {
                live.incrementAndGet(Latency.BUCKETS);
            }
        }

        /** Moves the counts into {@code counts} (zeroing them) and writes the slot. */
        void sample(int slot, double seconds, long[] counts) {
            long total = 0;
            for (int i = 0; i <= Latency.BUCKETS; i++) {
                // Read first: most buckets are empty, and a plain read costs less than a swap.
                long c = live.get(i) == 0 ? 0 : live.getAndSet(i, 0);
                counts[i] = c;
                if (i < Latency.BUCKETS) {
                    total += c;
                }
            }
            ring[REQUESTS * SAMPLES + slot] = (float) (total / seconds);
            ring[ERRORS * SAMPLES + slot] = (float) (counts[Latency.BUCKETS] / seconds);
            ring[P50 * SAMPLES + slot] = Latency.quantileMillis(counts, total, 0.50);
            ring[P99 * SAMPLES + slot] = Latency.quantileMillis(counts, total, 0.99);
        }
    }
}
