package org.tandemlb.core;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoopGroup;
import java.time.Clock;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.tandemlb.core.accesslog.AccessListener;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.frontend.Frontend;
import org.tandemlb.core.history.EventLog;
import org.tandemlb.core.history.History;
import org.tandemlb.core.metrics.LoadBalancerMetrics;

/**
 * What a load balancer records of itself: the metrics on the embedder's registry (if any), the
 * ten-minute {@link History} (sampled once a second on an event loop) and the {@link EventLog}.
 * Hears of every request ({@link #listener}) and follows the frontends and backends in force
 * ({@link #sync}).
 */
final class Telemetry {
    /** Null without a registry. */
    private final LoadBalancerMetrics metrics;

    private final History history;
    private final EventLog events;
    /** The once-a-second {@link History#sample()}; null before start and after stop. */
    private Future<?> sampler;

    /**
     * @param registry where to publish the metrics, or null for none
     * @param clock    the wall-clock time of events and samples
     * @param ticker   nanoseconds, for the history's latencies
     */
    Telemetry(MeterRegistry registry, Clock clock, LongSupplier ticker) {
        this.metrics = registry == null ? null : new LoadBalancerMetrics(registry);
        this.events = new EventLog(clock);
        this.history = new History(clock, ticker);
    }

    History history() {
        return history;
    }

    EventLog events() {
        return events;
    }

    /** The metrics (if any), the history and the embedder's listener (if any) hear of every request. */
    AccessListener listener(AccessListener user) {
        AccessListener first = metrics == null
                ? history
                : entry -> {
                    metrics.ended(entry);
                    history.ended(entry);
                };
        if (user == null) {
            return first;
        }
        return entry -> {
            first.ended(entry);
            user.ended(entry);
        };
    }

    /** Follows the frontends and backends now in force of {@code config}. */
    void sync(LoadBalancerConfig config, Collection<Frontend> frontends, Map<String, Backend> backends) {
        if (metrics != null) {
            metrics.sync(List.copyOf(frontends), List.copyOf(backends.values()));
        }
        // In configuration order, which the maps of the running objects do not keep.
        Map<String, List<String>> servers = new LinkedHashMap<>();
        for (BackendConfig bc : config.backends()) {
            servers.put(
                    bc.name(),
                    backends.get(bc.name()).servers().stream().map(Server::name).toList());
        }
        history.sync(config.frontends().stream().map(FrontendConfig::name).toList(), servers);
    }

    /** Samples the history once a second on one of {@code loops}. */
    void startSampling(EventLoopGroup loops) {
        // With a fixed delay, not a fixed rate: after a pause (a GC, a busy loop) one longer sample
        // covers it, where a fixed rate would fire a burst of samples a few microseconds apart.
        sampler = loops.next().scheduleWithFixedDelay(history::sample, 1, 1, TimeUnit.SECONDS);
    }

    void stopSampling() {
        if (sampler != null) {
            sampler.cancel(false);
            sampler = null;
        }
    }
}
