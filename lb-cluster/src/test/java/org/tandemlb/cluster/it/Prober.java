package org.tandemlb.cluster.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * A client that sends {@code GET /} on a new connection every 20 ms (bounded: it stops by itself
 * after {@code maxMillis}) and records which probes got a 200, to measure how long clients go
 * without service during a failover.
 */
final class Prober implements AutoCloseable {
    static final long INTERVAL_MS = 20;

    record Probe(long atMillis, boolean ok) {}

    private final List<Probe> probes = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer;

    /** Probes {@code target} until closed, or for at most {@code maxMillis}. */
    Prober(InetSocketAddress target, long maxMillis) {
        this.timer = start(List.of(target), maxMillis, (t, p) -> probes.add(p));
    }

    /**
     * Starts a probe every 20 ms, each on its own thread (a probe held up by a lost SYN does not
     * delay the next one), recorded with its start time once it ends, with the index of the target
     * it went to: the targets are taken in turn. Stops after {@code maxMillis}.
     */
    static ScheduledExecutorService start(
            List<InetSocketAddress> targets, long maxMillis, BiConsumer<Integer, Probe> sink) {
        AtomicInteger turn = new AtomicInteger();
        long deadline = System.currentTimeMillis() + maxMillis;
        ScheduledExecutorService timer = Executors.newScheduledThreadPool(64, r -> {
            Thread t = new Thread(r, "prober");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(
                () -> {
                    long at = System.currentTimeMillis();
                    if (at > deadline) {
                        timer.shutdown();
                        return;
                    }
                    int t = turn.getAndIncrement() % targets.size();
                    timer.execute(() -> sink.accept(t, new Probe(at, get(targets.get(t)))));
                },
                0,
                INTERVAL_MS,
                TimeUnit.MILLISECONDS);
        return timer;
    }

    /** One GET on a new connection; true on a 200. */
    static boolean get(InetSocketAddress target) {
        try (Socket s = new Socket()) {
            s.connect(target, 300);
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: vip\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] head = new byte[12];
            int n = in.readNBytes(head, 0, 12);
            return n == 12 && new String(head, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200");
        } catch (IOException e) {
            return false;
        }
    }

    List<Probe> probes() {
        List<Probe> sorted = new ArrayList<>(probes);
        sorted.sort(java.util.Comparator.comparingLong(Probe::atMillis));
        return sorted;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** Outage statistics of probes in [from, to]. */
    record Outage(long longestGapMillis, int failed, int total, long firstFailure, long lastFailure) {
        @Override
        public String toString() {
            return "clients without service for " + longestGapMillis + " ms (" + failed + " of " + total
                    + " probes failed, one every " + INTERVAL_MS + " ms"
                    + (failed == 0
                            ? ""
                            : String.format(", failures from %tT.%<tL to %tT.%<tL", firstFailure, lastFailure))
                    + ")";
        }
    }

    /**
     * The outage in [from, to] by probe start times (sorted): from the last success before the
     * first failure (at most one probe interval before it) to the first success after the last
     * failure (0 without failures; up to {@code to} when the service did not come back).
     */
    static Outage outage(List<Probe> probes, long from, long to) {
        List<Probe> in = probes.stream()
                .filter(p -> p.atMillis() >= from && p.atMillis() <= to)
                .sorted(java.util.Comparator.comparingLong(Probe::atMillis))
                .toList();
        int failed = (int) in.stream().filter(p -> !p.ok()).count();
        if (failed == 0) {
            return new Outage(0, 0, in.size(), 0, 0);
        }
        int first = -1;
        int last = -1;
        for (int i = 0; i < in.size(); i++) {
            if (!in.get(i).ok()) {
                last = i;
                if (first < 0) {
                    first = i;
                }
            }
        }
        // The service went away between the last answered probe and the first failed one; when the
        // prober itself was held up (a starved machine) before the failure, that interval says
        // nothing about the service: count from one probe interval before the first failure.
        long firstFailed = in.get(first).atMillis();
        long start = first > 0
                ? Math.max(in.get(first - 1).atMillis(), firstFailed - INTERVAL_MS)
                : Math.max(from, firstFailed - INTERVAL_MS);
        long end = last + 1 < in.size() ? in.get(last + 1).atMillis() : to;
        return new Outage(
                end - start,
                failed,
                in.size(),
                in.get(first).atMillis(),
                in.get(last).atMillis());
    }
}
