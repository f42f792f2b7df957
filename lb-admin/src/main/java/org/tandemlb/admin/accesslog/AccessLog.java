package org.tandemlb.admin.accesslog;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.admin.config.AccessLogSettings;
import org.tandemlb.core.LoadBalancerException;
import org.tandemlb.core.accesslog.AccessListener;
import org.tandemlb.core.accesslog.AccessLogEntry;

/**
 * The daemon's access logs: an {@link AccessListener} that sends each entry to its frontend's
 * target ({@code stdout} or a file) in its format (text or JSON), as the config file's
 * {@code access_log} of each frontend says. The line formats are described in
 * {@code docs/access-log.md}.
 *
 * <p><b>Nothing blocks the event loop.</b> {@link #ended} runs on the event loop that served the
 * request: it looks the frontend up in a map (off and unknown frontends cost nothing more) and
 * puts the entry in a queue. One writer thread formats the entries, batches them per target and
 * writes each batch with one write and one flush. The queue holds at most {@code capacity}
 * entries; past that, entries are dropped and counted ({@link #dropped}), and the writer logs a
 * warning at most every 10 seconds. A writer stuck on a hung disk therefore costs log lines, never
 * proxy latency.
 *
 * <p><b>Reload.</b> The load balancer takes its listener once, when it is built, so this one
 * follows the configuration itself: {@link #prepare} opens the new targets (a file that cannot be
 * opened refuses the reload before anything changed), {@link Prepared#commit} switches. The switch
 * travels through the queue, so the entries of requests that ended before it are written to the
 * old targets and later ones to the new. Every reload reopens every file, which is what
 * {@code logrotate} needs ({@code postrotate: kill -HUP}). A frontend removed by a reload keeps its
 * log until the next reload, for its connections that are still finishing.
 *
 * <p>The daemon always registers it, so a log turned on by a reload works at once; a frontend
 * whose log is {@code off} costs a map look-up per request.
 */
public final class AccessLog implements AccessListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);

    /**
     * Entries the queue holds before dropping: at ~300 bytes each about 20 MiB, and more than a
     * second of 50,000 requests per second, so only a writer that is stuck, not a slow one, loses
     * lines.
     */
    public static final int DEFAULT_CAPACITY = 65_536;
    /** Entries formatted per write; large enough that a busy log costs one write per few thousand lines. */
    static final int BATCH = 4_096;

    static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long CLOSE_WAIT_SECONDS = 5;

    /** Where targets are opened; replaced in tests. */
    interface Outputs {
        /** Opens {@code file} for appending, creating it when missing. */
        OutputStream append(Path file) throws IOException;

        /** Standard output; never closed. */
        OutputStream stdout();

        Outputs SYSTEM = new Outputs() {
            @Override
            public OutputStream append(Path file) throws IOException {
                // O_APPEND: every write lands at the end even when logrotate's copytruncate
                // has truncated the file under us.
                return Files.newOutputStream(
                        file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            }

            @Override
            public OutputStream stdout() {
                PrintStream out = System.out;
                return out;
            }
        };
    }

    private record Route(AccessLogSettings settings, Sink sink) {}

    /** In the queue: from here on, the writer uses these routes. */
    private record Switch(Map<String, Route> routes) {}

    /** In the queue: write what came before, close the files and end. */
    private record Close(CountDownLatch done) {}

    private final Outputs outputs;
    private final int capacity;
    private final LongSupplier ticker;
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>(); // bounded by `queued`
    private final AtomicInteger queued = new AtomicInteger();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder written = new LongAdder();
    private final Thread writer;
    /** The frontends whose entries are queued: read on the event loops. */
    private volatile Map<String, AccessLogSettings> enabled = Map.of();

    // Guarded by this: the settings of the last commit, to keep removed frontends' logs one reload.
    private Map<String, AccessLogSettings> configured = Map.of();
    private boolean started;
    private boolean closed;

    // The writer thread's own.
    private Map<String, Route> routes = Map.of();
    private long reportedDrops;
    private long lastWarning;
    private boolean warned;

    AccessLog(Outputs outputs, int capacity, LongSupplier ticker) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
        }
        this.outputs = Objects.requireNonNull(outputs, "outputs");
        this.capacity = capacity;
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.writer = new Thread(this::writeLoop, "tandem-access-log");
        // Lines still queued when the JVM ends abruptly are lost anyway; never hold the JVM up.
        this.writer.setDaemon(true);
    }

    /**
     * Opens the access logs of {@code settings} (keyed by frontend name) and starts the writer.
     *
     * @throws LoadBalancerException when a file cannot be opened for appending; nothing is left open
     */
    public static AccessLog open(Map<String, AccessLogSettings> settings) {
        return open(settings, Outputs.SYSTEM, DEFAULT_CAPACITY, System::nanoTime);
    }

    static AccessLog open(Map<String, AccessLogSettings> settings, Outputs outputs, int capacity, LongSupplier ticker) {
        AccessLog accessLog = new AccessLog(outputs, capacity, ticker);
        try (Prepared first = accessLog.prepare(settings)) {
            first.commit();
        }
        return accessLog;
    }

    /** Entries dropped because the queue was full or a write failed. */
    public long dropped() {
        return dropped.sum();
    }

    /** Lines written. */
    public long written() {
        return written.sum();
    }

    /** Called on the event loop: queues the entry when its frontend logs; never blocks. */
    @Override
    public void ended(AccessLogEntry entry) {
        if (!enabled.containsKey(entry.frontend())) {
            return;
        }
        if (queued.incrementAndGet() > capacity) {
            queued.decrementAndGet();
            dropped.increment();
            return;
        }
        queue.offer(entry); // unbounded underneath: never waits
    }

    /**
     * Opens the targets of {@code settings} (every file anew, for logrotate), to be switched to
     * with {@link Prepared#commit} once the rest of the reload has succeeded, or closed unused.
     *
     * @throws LoadBalancerException when a file cannot be opened; nothing is left open
     */
    public synchronized Prepared prepare(Map<String, AccessLogSettings> settings) {
        Objects.requireNonNull(settings, "settings");
        if (closed) {
            throw new IllegalStateException("the access log is closed");
        }
        Map<String, AccessLogSettings> effective = new LinkedHashMap<>();
        settings.forEach((frontend, s) -> {
            if (s.enabled()) {
                effective.put(frontend, s);
            }
        });
        // A removed frontend's connections may still be finishing: its log stays one reload more.
        configured.forEach((frontend, s) -> {
            if (!settings.containsKey(frontend) && s.enabled()) {
                effective.put(frontend, s);
            }
        });
        Map<String, Sink> sinks = new LinkedHashMap<>();
        Map<String, Route> next = new LinkedHashMap<>();
        try {
            effective.forEach((frontend, s) -> {
                String key = key(frontend, s);
                Sink sink = sinks.get(key);
                if (sink == null) {
                    sink = openSink(frontend, s, key);
                    sinks.put(key, sink);
                }
                next.put(frontend, new Route(s, sink));
            });
        } catch (RuntimeException e) {
            closeQuietly(sinks.values());
            throw e;
        }
        return new Prepared(settings, Map.copyOf(effective), next);
    }

    /** stdout, or the absolute file path, so that two spellings of one file share one stream. */
    private static String key(String frontend, AccessLogSettings s) {
        if (s.toStdout()) {
            return AccessLogSettings.STDOUT;
        }
        try {
            return Path.of(s.target()).toAbsolutePath().normalize().toString();
        } catch (InvalidPathException e) {
            throw new LoadBalancerException(
                    "cannot open access log " + s.target() + " of frontend " + frontend + ": not a valid path ("
                            + e.getReason() + ")",
                    e);
        }
    }

    private Sink openSink(String frontend, AccessLogSettings s, String key) {
        if (s.toStdout()) {
            return new Sink(AccessLogSettings.STDOUT, outputs.stdout(), false);
        }
        try {
            return new Sink(s.target(), outputs.append(Path.of(key)), true);
        } catch (IOException e) {
            throw new LoadBalancerException(
                    "cannot open access log " + s.target() + " of frontend " + frontend + ": " + describe(e), e);
        }
    }

    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "its directory does not exist";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /**
     * New access log targets, opened and not yet in use: {@link #commit} switches to them; closing
     * without a commit closes them (a reload that failed elsewhere). Use in try-with-resources.
     */
    public final class Prepared implements AutoCloseable {
        private final Map<String, AccessLogSettings> settings;
        private final Map<String, AccessLogSettings> effective;
        private final Map<String, Route> next;
        private boolean committed;

        private Prepared(
                Map<String, AccessLogSettings> settings,
                Map<String, AccessLogSettings> effective,
                Map<String, Route> next) {
            this.settings = Map.copyOf(settings);
            this.effective = effective;
            this.next = next;
        }

        /** Switches to these targets: entries that end from now on go there. */
        public void commit() {
            synchronized (AccessLog.this) {
                if (committed || closed) {
                    return;
                }
                committed = true;
                // The switch goes through the queue before the new map is published: entries
                // queued before it use the old routes, and none of a newly enabled frontend can
                // arrive ahead of it.
                queue.add(new Switch(next));
                enabled = effective;
                configured = settings;
                if (!started) {
                    started = true;
                    writer.start();
                }
            }
        }

        /** Closes the targets unless they were committed. */
        @Override
        public void close() {
            boolean unused;
            synchronized (AccessLog.this) {
                unused = !committed;
                committed = true;
            }
            if (unused) {
                closeQuietly(next.values().stream().map(Route::sink).toList());
            }
        }
    }

    /**
     * Writes what is queued, closes the files and stops the writer; waits for it up to 5 seconds
     * (a writer stuck on a hung disk is abandoned, it is a daemon thread). Call after the load
     * balancer has stopped, so the last requests are logged. Idempotent.
     */
    @Override
    public void close() {
        CountDownLatch done = new CountDownLatch(1);
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            enabled = Map.of();
            if (!started) {
                return;
            }
            queue.add(new Close(done));
        }
        try {
            if (!done.await(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                log.warn(
                        "access log writer did not finish within {}s; {} queued line(s) are lost",
                        CLOSE_WAIT_SECONDS,
                        queued.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void writeLoop() {
        List<Object> batch = new ArrayList<>(BATCH);
        Set<Sink> touched = new LinkedHashSet<>();
        while (true) {
            Object first;
            try {
                first = queue.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                log.warn("access log writer interrupted: access logging stops");
                return;
            }
            if (first != null) {
                batch.add(first);
                queue.drainTo(batch, BATCH - 1);
            }
            for (Object item : batch) {
                if (item instanceof AccessLogEntry entry) {
                    queued.decrementAndGet();
                    format(entry, touched);
                } else if (item instanceof Switch s) {
                    flush(touched);
                    Set<Sink> kept = new LinkedHashSet<>();
                    s.routes().values().forEach(r -> kept.add(r.sink()));
                    List<Sink> old = routes.values().stream()
                            .map(Route::sink)
                            .distinct()
                            .filter(sink -> !kept.contains(sink))
                            .toList();
                    closeQuietly(old);
                    routes = s.routes();
                } else if (item instanceof Close c) {
                    flush(touched);
                    closeQuietly(
                            routes.values().stream().map(Route::sink).distinct().toList());
                    routes = Map.of();
                    reportDrops(true);
                    c.done().countDown();
                    return;
                }
            }
            batch.clear();
            flush(touched);
            reportDrops(false);
        }
    }

    private void format(AccessLogEntry entry, Set<Sink> touched) {
        Route route = routes.get(entry.frontend());
        if (route == null) {
            return; // its log was turned off by a reload after the entry was queued
        }
        Sink sink = route.sink();
        try {
            if (route.settings().format() == AccessLogSettings.Format.JSON) {
                JsonLine.write(entry, sink.json());
            } else {
                LineFormat.text(entry, sink.text());
            }
            touched.add(sink);
        } catch (IOException | RuntimeException e) {
            // Formatting into memory does not fail; if it ever does, one entry is lost, not the log.
            dropped.increment();
            log.error("access log: cannot format an entry of frontend {}", entry.frontend(), e);
        }
    }

    private void flush(Set<Sink> touched) {
        for (Sink sink : touched) {
            int lines = sink.pendingLines();
            try {
                written.add(sink.flush());
            } catch (IOException e) {
                dropped.add(lines);
                if (sink.markFailed()) {
                    log.error(
                            "cannot write access log {}: {}; its lines are dropped until it is reopened (reload)",
                            sink.target(),
                            describe(e));
                }
            }
        }
        touched.clear();
    }

    private void reportDrops(boolean finalReport) {
        long total = dropped.sum();
        if (total == reportedDrops) {
            return;
        }
        long now = ticker.getAsLong();
        if (finalReport || !warned || now - lastWarning >= WARN_INTERVAL_NANOS) {
            log.warn(
                    "access log: {} line(s) dropped{} ({} in all): the queue of {} lines was full (the disk is "
                            + "too slow or stuck) or a write failed",
                    total - reportedDrops,
                    warned ? " since the last warning" : "",
                    total,
                    capacity);
            reportedDrops = total;
            lastWarning = now;
            warned = true;
        }
    }

    private static void closeQuietly(Iterable<Sink> sinks) {
        for (Sink sink : sinks) {
            try {
                sink.close();
            } catch (IOException e) {
                log.warn("cannot close access log {}: {}", sink.target(), describe(e));
            }
        }
    }
}
