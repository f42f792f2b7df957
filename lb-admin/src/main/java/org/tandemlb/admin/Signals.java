package org.tandemlb.admin;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The foreground life of {@code tandem run} and {@code tandem demo}: SIGHUP reloads, SIGTERM and
 * SIGINT stop gracefully and the process then exits 0.
 *
 * <p>Why handlers and not only a shutdown hook: on SIGTERM the JVM's own handler runs the hooks
 * and exits with status 143 (128 + 15), whereas Tandem exits 0 after a graceful stop (the README's exit codes). So TERM and
 * INT are taken over with {@code sun.misc.Signal.handle} ({@link PosixSignals}); the handler only wakes
 * the waiting thread, which stops the daemon and returns. A shutdown hook stays as the safety net
 * for the other ways a JVM ends (System.exit elsewhere, {@code -Xrs}, a handler that could not be
 * installed). A second SIGTERM/SIGINT while stopping gives up the drain: the process ends at once
 * with 128 + the signal's number, like a shell's killed job (for an impatient Ctrl-C Ctrl-C).
 *
 * <p>Signal handlers run on a JVM thread made for each signal; they must return quickly, so
 * SIGHUP only submits the reload to the daemon's reload thread.
 */
final class Signals {
    private static final Logger log = LoggerFactory.getLogger(Signals.class);

    private Signals() {}

    /**
     * Installs the handlers, runs {@code start}, then blocks until SIGTERM or SIGINT and runs
     * {@code stop}. The handlers come first so that a signal that arrives while starting is not
     * lost (and does not take the JVM's default path).
     *
     * @param start    starts the service; what it throws propagates, with nothing left to stop
     * @param onHangup run on each SIGHUP; must not block
     * @param stop     stops the service gracefully; idempotent (it is also the shutdown hook)
     */
    static void serveUntilStopped(Runnable start, Runnable onHangup, Runnable stop) {
        CountDownLatch stopRequested = new CountDownLatch(1);
        AtomicBoolean stopping = new AtomicBoolean();
        Consumer<PosixSignals.Received> terminate = sig -> {
            if (stopping.compareAndSet(false, true)) {
                log.info("SIG{} received: stopping", sig.name());
                stopRequested.countDown();
            } else {
                log.warn("second SIG{}: stopping at once, open connections are cut", sig.name());
                Runtime.getRuntime().halt(128 + sig.number());
            }
        };
        PosixSignals signals = new PosixSignals();
        Map<String, Object> previous = new LinkedHashMap<>();
        install(signals, "TERM", terminate, previous);
        install(signals, "INT", terminate, previous);
        install(
                signals,
                "HUP",
                sig -> {
                    log.info("SIGHUP received");
                    onHangup.run();
                },
                previous);
        try {
            start.run();
        } catch (RuntimeException | Error e) {
            // Nothing to stop: give the signals back (this matters when the JVM goes on, as in tests).
            previous.forEach(signals::restore);
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "tandem-shutdown"));
        awaitUninterruptibly(stopRequested);
        stop.run();
    }

    private static void install(
            PosixSignals signals, String name, Consumer<PosixSignals.Received> handler, Map<String, Object> previous) {
        try {
            previous.put(name, signals.handle(name, handler));
        } catch (IllegalArgumentException e) {
            // The JVM keeps the signal for itself (-Xrs) or the OS does not know it.
            log.warn("cannot handle SIG{} ({}); it keeps its default effect", name, e.getMessage());
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
