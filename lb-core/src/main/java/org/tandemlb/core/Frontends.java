package org.tandemlb.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.frontend.ConnectionLimit;
import org.tandemlb.core.frontend.Frontend;
import org.tandemlb.core.frontend.ListenException;
import org.tandemlb.core.tls.ServerTls;
import org.tandemlb.core.tls.TicketKeys;
import org.tandemlb.core.tls.TlsFrontends;
import org.tandemlb.core.tls.TlsProvider;

/**
 * A load balancer's frontends: those in force and their TLS, bound at the start, replaced at an
 * apply ({@link FrontendUpdate}), and at the stop drained together with those an apply replaced
 * while they still had connections. The load balancer calls it under its lock; {@link #running}
 * may be read from any thread.
 */
final class Frontends {
    // The stop's line is the load balancer's: the daemon's log shows the logger's name.
    private static final Logger log = LoggerFactory.getLogger(LoadBalancer.class);

    private final EventLoops loops;
    private final Pipelines pipelines;
    /** The top-level max_connections, over all frontends. */
    private final ConnectionLimit processLimit;

    private final LongSupplier ticker;
    private final TlsFrontends tls;
    private volatile Map<String, Frontend> running = Map.of();
    /** Frontends a reload replaced while they still had connections: stop ends those too. */
    private final List<Frontend> retired = new ArrayList<>();

    Frontends(
            EventLoops loops,
            Pipelines pipelines,
            ConnectionLimit processLimit,
            LongSupplier ticker,
            TlsProvider tlsProvider,
            TicketKeys ticketKeys) {
        this.loops = loops;
        this.pipelines = pipelines;
        this.processLimit = processLimit;
        this.ticker = ticker;
        this.tls = new TlsFrontends(
                loops.workers,
                tlsProvider,
                ticketKeys,
                () -> running.values().stream()
                        .map(Frontend::tls)
                        .filter(Objects::nonNull)
                        .toList());
    }

    /** The frontends in force, by name, in configuration order. */
    Map<String, Frontend> running() {
        return running;
    }

    /**
     * Binds every frontend of {@code config}.
     *
     * @throws LoadBalancerException when one cannot listen (nothing stays bound then)
     */
    void start(LoadBalancerConfig config) {
        running = LoadBalancer.inOrder(FrontendUpdate.bind(config, Map.of(), loadTls(config), this::open)
                .frontends());
    }

    /**
     * Builds ahead the TLS of those frontends of {@code future} that do not run now (see
     * {@link LoadBalancer#prepare}).
     */
    void prepare(LoadBalancerConfig future) {
        Map<String, Frontend> now = running;
        try {
            tls.prepare(future.frontends().stream()
                    .filter(fc -> !now.containsKey(fc.name()))
                    .toList());
        } catch (IllegalArgumentException e) {
            throw new LoadBalancerException(e.getMessage(), e);
        }
    }

    /** The TLS of {@code next}'s frontends, built on this thread (it reads files). */
    Map<String, ServerTls> loadTls(LoadBalancerConfig next) {
        Map<String, Frontend> previous = running;
        try {
            return tls.build(
                    next,
                    name -> previous.containsKey(name) ? previous.get(name).tls() : null);
        } catch (IllegalArgumentException e) {
            throw new LoadBalancerException(e.getMessage(), e);
        }
    }

    /**
     * Binds the new frontends of {@code next}; nothing changes until {@link #switchTo}.
     *
     * @param tlsOf what {@link #loadTls} built for {@code next}
     */
    FrontendUpdate bind(LoadBalancerConfig next, Map<String, ServerTls> tlsOf) {
        return FrontendUpdate.bind(next, running, tlsOf, this::open);
    }

    /** Puts the frontends {@link #bind} made in force. */
    void switchTo(FrontendUpdate update) {
        update.switchOver();
        retired.removeIf(f -> f.currentConnections() == 0);
        update.replaced().stream().filter(f -> f.currentConnections() > 0).forEach(retired::add);
        running = LoadBalancer.inOrder(update.frontends());
    }

    /** Makes a frontend and binds its addresses (taking over those of {@code previous} it shares). */
    private Frontend open(FrontendConfig fc, ServerTls serverTls, List<Frontend> previous) {
        Frontend f = new Frontend(fc, serverTls, pipelines, processLimit, ticker);
        try {
            f.bind(loops.transport, loops.acceptors, loops.workers, previous);
        } catch (ListenException e) {
            throw new LoadBalancerException(e.getMessage(), e.getCause());
        }
        return f;
    }

    /**
     * Stops listening, lets the open connections of all frontends, retired ones too, finish for
     * up to {@code drain}, then closes them.
     */
    void stop(Duration drain) {
        tls.close();
        List<Frontend> all = new ArrayList<>(running.values());
        all.addAll(retired);
        all.forEach(Frontend::close);
        all.forEach(Frontend::drain);
        long deadline = System.nanoTime() + drain.toNanos();
        while (System.nanoTime() < deadline && all.stream().anyMatch(f -> f.currentConnections() > 0)) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        int cut = all.stream().mapToInt(Frontend::currentConnections).sum();
        if (cut > 0) {
            log.warn("drain time {} is over: closing {} connection(s) still open", drain, cut);
        }
        all.forEach(Frontend::closeConnections);
    }
}
