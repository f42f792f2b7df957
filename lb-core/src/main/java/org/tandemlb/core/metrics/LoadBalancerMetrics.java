package org.tandemlb.core.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.frontend.Frontend;

/**
 * Publishes the state of frontends and servers to a Micrometer {@link MeterRegistry} (never a
 * global one) under the names of SPEC §6; with Micrometer's Prometheus naming they come out as
 * {@code tandem_server_up}, {@code tandem_server_requests_total} and so on.
 *
 * <p>The meters read the live objects when scraped, so nothing is counted twice and the hot path
 * pays nothing. {@link #sync} is called after start and after every reload: meters of new
 * frontends and servers are registered, those of removed ones are removed, so no label keeps
 * a value that no longer exists.
 */
public final class LoadBalancerMetrics {
    private final MeterRegistry registry;
    private final Map<Object, List<Meter>> meters = new IdentityHashMap<>();

    /** Metrics that will be published to {@code registry}. */
    public LoadBalancerMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** Publishes exactly these frontends and backends' servers. */
    public synchronized void sync(List<Frontend> frontends, List<Backend> backends) {
        Map<Object, Boolean> live = new IdentityHashMap<>();
        for (Frontend f : frontends) {
            live.put(f, true);
            meters.computeIfAbsent(f, k -> frontendMeters(f));
        }
        for (Backend b : backends) {
            for (Server s : b.servers()) {
                live.put(s, true);
                meters.computeIfAbsent(s, k -> serverMeters(s));
            }
        }
        meters.entrySet().removeIf(e -> {
            if (live.containsKey(e.getKey())) {
                return false;
            }
            e.getValue().forEach(registry::remove);
            return true;
        });
    }

    private List<Meter> frontendMeters(Frontend f) {
        Tags tags = Tags.of("frontend", f.name());
        List<Meter> list = new ArrayList<>();
        list.add(FunctionCounter.builder("tandem.frontend.connections", f, Frontend::connectionsTotal)
                .description("Client connections accepted").tags(tags).register(registry));
        list.add(Gauge.builder("tandem.frontend.current.connections", f, Frontend::currentConnections)
                .description("Client connections open now").tags(tags).strongReference(true).register(registry));
        return list;
    }

    private List<Meter> serverMeters(Server s) {
        Tags tags = Tags.of("backend", s.backend().name(), "server", s.name());
        List<Meter> list = new ArrayList<>();
        list.add(Gauge.builder("tandem.server.up", s, x -> x.isUp() ? 1 : 0)
                .description("1 while the server is healthy").tags(tags).strongReference(true).register(registry));
        list.add(Gauge.builder("tandem.server.weight", s, Server::weight)
                .description("The server's current effective weight").tags(tags).strongReference(true).register(registry));
        list.add(Gauge.builder("tandem.server.current.connections", s, Server::activeConnections)
                .description("Requests (http) or connections (tcp) on the server now").tags(tags)
                .strongReference(true).register(registry));
        list.add(FunctionCounter.builder("tandem.server.requests", s, Server::requestsTotal)
                .description("Requests (http) or connections (tcp) sent to the server").tags(tags).register(registry));
        list.add(FunctionCounter.builder("tandem.server.connect.failures", s, Server::connectFailuresTotal)
                .description("Failed or timed-out connection attempts on live traffic").tags(tags).register(registry));
        list.add(FunctionCounter.builder("tandem.server.check.failures", s, Server::checkFailuresTotal)
                .description("Failed active health checks").tags(tags).register(registry));
        return list;
    }
}
