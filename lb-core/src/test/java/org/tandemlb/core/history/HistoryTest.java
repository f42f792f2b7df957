package org.tandemlb.core.history;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.accesslog.AccessLogEntry;
import org.tandemlb.core.config.Mode;

/** The ring of samples: rates, percentiles, ten minutes kept, memory bounded. */
class HistoryTest {
    private static final Instant T0 = Instant.parse("2026-12-02T05:00:00Z");

    /** A ticker and a clock that move together, by hand. */
    private final AtomicLong nanos = new AtomicLong();

    private final History history = new History(
            new Clock() {
                @Override
                public ZoneOffset getZone() {
                    return ZoneOffset.UTC;
                }

                @Override
                public Clock withZone(ZoneId zone) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public Instant instant() {
                    return T0.plusNanos(nanos.get());
                }
            },
            nanos::get);

    private static AccessLogEntry request(String backend, String server, int status, long millis) {
        return new AccessLogEntry(
                Mode.HTTP,
                0,
                null,
                "www",
                backend,
                server,
                "GET",
                "/",
                status,
                0,
                0,
                0,
                0,
                0,
                millis * 1_000_000,
                "--",
                "HTTP/1.1",
                null,
                null,
                null);
    }

    private void second() {
        nanos.addAndGet(1_000_000_000L);
        history.sample();
    }

    @Test
    void ratesErrorsAndPercentilesPerFrontendBackendAndServer() {
        history.sync(List.of("www"), Map.of("web", List.of("a", "b")));
        // Second 1: a answers 98 requests in 10 ms and two in 900 ms; b answers two 503s.
        for (int i = 0; i < 98; i++) {
            history.ended(request("web", "a", 200, 10));
        }
        history.ended(request("web", "a", 200, 900));
        history.ended(request("web", "a", 200, 900));
        history.ended(request("web", "b", 503, 1));
        history.ended(request("web", "b", 503, 1));
        second();
        // Second 2: nothing.
        second();

        Series a = history.series(History.Scope.SERVER, "web/a", 600).orElseThrow();
        assertArrayEquals(new float[] {100, 0}, a.requestsPerSecond());
        assertArrayEquals(new float[] {0, 0}, a.errorsPerSecond());
        assertEquals(10, a.p50Millis()[0], 10 * 0.25, "the median within its bucket's 25 %");
        assertEquals(900, a.p99Millis()[0], 900 * 0.25, "the 99th of 100 requests is a slow one");
        assertTrue(Float.isNaN(a.p50Millis()[1]), "no latency in a second without requests");
        assertEquals(T0.plusSeconds(1), a.start());
        assertEquals(T0.plusSeconds(2), a.end());

        Series b = history.series(History.Scope.SERVER, "web/b", 600).orElseThrow();
        assertArrayEquals(new float[] {2, 0}, b.errorsPerSecond());
        Series web = history.series(History.Scope.BACKEND, "web", 600).orElseThrow();
        assertArrayEquals(new float[] {102, 0}, web.requestsPerSecond());
        assertArrayEquals(new float[] {2, 0}, web.errorsPerSecond());
        Series www = history.series(History.Scope.FRONTEND, "www", 1).orElseThrow();
        assertArrayEquals(new float[] {0}, www.requestsPerSecond(), "the last point only");
        assertEquals(
                List.of("web/a", "web/b"),
                history.series(History.Scope.SERVER, 600).stream()
                        .map(Series::name)
                        .toList());
        assertTrue(history.series(History.Scope.SERVER, "web/c", 600).isEmpty());
    }

    @Test
    void ratesAreOverTheTimeThatPassed() {
        history.sync(List.of(), Map.of("web", List.of("a")));
        for (int i = 0; i < 10; i++) {
            history.ended(request("web", "a", 200, 1));
        }
        nanos.addAndGet(2_000_000_000L); // a late sample: two seconds
        history.sample();
        assertArrayEquals(
                new float[] {5},
                history.series(History.Scope.SERVER, "web/a", 600).orElseThrow().requestsPerSecond());
    }

    @Test
    void keepsTenMinutesAndTheHistoryOfSubjectsThatStay() {
        history.sync(List.of(), Map.of("web", List.of("a")));
        for (int s = 0; s < 700; s++) {
            history.ended(request("web", "a", 200, 1));
            if (s == 650) {
                history.ended(request("web", "a", 200, 1));
            }
            second();
        }
        // A reload adds b; a stays.
        history.sync(List.of(), Map.of("web", List.of("a", "b")));
        second();
        Series a = history.series(History.Scope.SERVER, "web/a", 1000).orElseThrow();
        assertEquals(History.SAMPLES, a.size());
        assertEquals(T0.plusSeconds(701 - 599), a.start(), "the oldest sample kept is ten minutes old");
        assertEquals(2, a.requestsPerSecond()[650 - 101], "samples stay in order across the ring's wrap");
        assertEquals(0, a.requestsPerSecond()[599]);
        assertEquals(
                1,
                history.series(History.Scope.SERVER, "web/b", 1000)
                        .orElseThrow()
                        .size(),
                "b starts empty");
        history.sync(List.of(), Map.of("web", List.of("b")));
        assertTrue(history.series(History.Scope.SERVER, "web/a", 1000).isEmpty(), "a removed, its history with it");
    }

    /**
     * The memory of 1 000 servers (in 10 backends), measured as the bytes allocated to set them up
     * and then to run ten minutes and more of samples: set-up is the footprint; sampling allocates
     * next to nothing, so the footprint does not grow with time.
     */
    @Test
    void memoryIsBoundedAndMeasuredWithAThousandServers() {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        Map<String, List<String>> servers = new LinkedHashMap<>();
        for (int b = 0; b < 10; b++) {
            List<String> list = new ArrayList<>();
            for (int s = 0; s < 100; s++) {
                list.add("s" + s);
            }
            servers.put("b" + b, list);
        }
        List<String> names = List.of("www");
        long before = threads.getCurrentThreadAllocatedBytes();
        history.sync(names, servers);
        long footprint = threads.getCurrentThreadAllocatedBytes() - before;

        AccessLogEntry e = request("b3", "s42", 200, 5);
        before = threads.getCurrentThreadAllocatedBytes();
        for (int s = 0; s < 2 * History.SAMPLES; s++) {
            history.ended(e);
            second();
        }
        long sampling = threads.getCurrentThreadAllocatedBytes() - before;

        long perServer = footprint / 1000;
        System.out.printf(
                "history of 1000 servers, 10 backends, 1 frontend: %d bytes (%d per server); %d bytes allocated by"
                        + " %d samples (%d per sample)%n",
                footprint, perServer, sampling, 2 * History.SAMPLES, sampling / (2 * History.SAMPLES));
        // float[2400] (9 616 bytes) and an AtomicLongArray of 105 counts (856 bytes) per server.
        assertTrue(perServer < 12_000, perServer + " bytes per server");
        assertTrue(perServer > 4 * 4 * History.SAMPLES, "the ring is allocated up front: " + perServer);
        assertTrue(sampling / (2 * History.SAMPLES) < 1_000, sampling + " bytes allocated by sampling");
    }

    @Test
    void latencyBucketsAreAtMostAQuarterWide() {
        long previousUpper = Latency.lowerMicros(0);
        for (int i = 0; i < Latency.BUCKETS; i++) {
            assertEquals(previousUpper, Latency.lowerMicros(i), "buckets touch");
            assertTrue(Latency.upperMicros(i) - Latency.lowerMicros(i) <= Latency.lowerMicros(i) / 4);
            assertEquals(i, Latency.bucket(Latency.lowerMicros(i) * 1000));
            assertEquals(i, Latency.bucket(Latency.upperMicros(i) * 1000 - 1));
            previousUpper = Latency.upperMicros(i);
        }
        assertEquals(0, Latency.bucket(0));
        assertEquals(Latency.BUCKETS - 1, Latency.bucket(Long.MAX_VALUE));
    }
}
