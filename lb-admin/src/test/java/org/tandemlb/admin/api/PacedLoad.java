package org.tandemlb.admin.api;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A steady trickle of GET requests for the status page's drills: one every 25 ms, bounded in
 * count and in time, counting those that did not get a 200. Stops by itself; {@link #close}
 * stops it sooner.
 */
final class PacedLoad implements AutoCloseable {
    /** At most this many requests... */
    static final int MAX_REQUESTS = 4000;
    /** ... for at most this long. */
    static final Duration MAX_TIME = Duration.ofSeconds(90);

    private final ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();

    private PacedLoad(URI uri) {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + MAX_TIME.toNanos();
        load.scheduleAtFixedRate(
                () -> {
                    if (sent.get() >= MAX_REQUESTS || System.nanoTime() > deadline) {
                        load.shutdown();
                        return;
                    }
                    sent.incrementAndGet();
                    try {
                        HttpResponse<String> r = http.send(
                                HttpRequest.newBuilder(uri)
                                        .timeout(Duration.ofSeconds(2))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 200) {
                            failed.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failed.incrementAndGet();
                    }
                },
                0,
                25,
                TimeUnit.MILLISECONDS);
    }

    /** Starts sending to {@code uri}. */
    static PacedLoad start(URI uri) {
        return new PacedLoad(uri);
    }

    /** Requests sent so far. */
    int sent() {
        return sent.get();
    }

    /** Requests that failed or did not get a 200. */
    int failed() {
        return failed.get();
    }

    @Override
    public void close() {
        load.shutdownNow();
    }
}
