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

/**
 * A client that sends {@code GET /} on a new connection every 20 ms (bounded: it stops by itself
 * after {@code maxMillis}) and records which probes got a 200, to measure how long clients go
 * without service during a failover.
 */
final class Prober implements AutoCloseable {
    static final long INTERVAL_MS = 20;

    record Probe(long atMillis, boolean ok) {
    }

    private final InetSocketAddress target;
    private final List<Probe> probes = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "prober");
        t.setDaemon(true);
        return t;
    });
    private final long deadline;

    Prober(InetSocketAddress target, long maxMillis) {
        this.target = target;
        this.deadline = System.currentTimeMillis() + maxMillis;
        timer.scheduleWithFixedDelay(this::probeOnce, 0, INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    private void probeOnce() {
        long at = System.currentTimeMillis();
        if (at > deadline) {
            timer.shutdown();
            return;
        }
        probes.add(new Probe(at, get(target)));
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
        return new ArrayList<>(probes);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** Outage statistics of probes in [from, to]. */
    record Outage(long longestGapMillis, int failed, int total) {
        @Override
        public String toString() {
            return "longest gap without a successful probe " + longestGapMillis + " ms, " + failed + " of " + total
                    + " probes failed";
        }
    }

    /**
     * The longest time between two consecutive successful probes in [from, to], and the failed
     * probes there. A window with no success at all counts from {@code from} to {@code to}.
     */
    static Outage outage(List<Probe> probes, long from, long to) {
        long previous = -1;
        long longest = 0;
        int failed = 0;
        int total = 0;
        for (Probe p : probes) {
            if (p.atMillis() < from || p.atMillis() > to) {
                continue;
            }
            total++;
            if (!p.ok()) {
                failed++;
                continue;
            }
            if (previous >= 0) {
                longest = Math.max(longest, p.atMillis() - previous);
            }
            previous = p.atMillis();
        }
        if (previous < 0) {
            longest = to - from;
        }
        return new Outage(longest, failed, total);
    }
}
