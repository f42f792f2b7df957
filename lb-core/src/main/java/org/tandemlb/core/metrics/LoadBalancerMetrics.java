package org.tandemlb.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.tandemlb.core.accesslog.AccessListener;
import org.tandemlb.core.accesslog.AccessLogEntry;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.frontend.Frontend;
import org.tandemlb.core.proxy.Refusal;
import org.tandemlb.core.tls.HandshakeStats;
import org.tandemlb.core.tls.ServerTls;
import org.tandemlb.core.tls.TlsCertificate;

/**
 * Publishes the state of frontends and servers to a Micrometer {@link MeterRegistry} (never a
 * global one) under the names listed in docs/admin-api.md; with Micrometer's Prometheus naming they come out as
 * {@code tandem_server_up}, {@code tandem_server_requests_total} and so on.
 *
 * <p>State (health, weights, connections, server counters) is read from the live objects when
 * scraped, so the hot path pays nothing for it. Per-request meters (HTTP requests, responses by
 * status class, the response-time histogram, bytes) are counted from each finished request's
 * {@link AccessLogEntry}: a map look-up and a few counter increments. {@link #sync} is called after start and after every reload: meters of new
 * frontends and servers are registered, those of removed ones are removed, so no label keeps
 * a value that no longer exists.
 */
public final class LoadBalancerMetrics implements AccessListener {
    /** Bucket bounds of the response-time histogram: 1 ms to 10 s, roughly ×2.5 apart. */
    private static final Duration[] RESPONSE_BUCKETS = {
        Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(10),
    };

    private final MeterRegistry registry;
    private final Map<Object, List<Meter>> meters = new IdentityHashMap<>();
    /** The TLS meters of the frontends that have TLS now (a reload may add or remove it). */
    private final Map<Frontend, List<Meter>> tlsMeters = new IdentityHashMap<>();

    /**
     * {@code tandem_tls_certificate_expiry_seconds}: one gauge per TLS frontend and certificate file
     * (a set the config bounds), reading {@link #expiry}, which every sync refreshes: a certificate
     * renewed in place (same path, new notAfter) shows its new date after the reload.
     */
    private final Map<List<String>, Meter> expiryGauges = new HashMap<>();

    private volatile Map<List<String>, Double> expiry = Map.of();
    private volatile Map<String, FrontendMeters> byFrontend = Map.of();
    private volatile Map<String, BackendMeters> byBackend = Map.of();

    /** The per-request meters of a frontend, looked up once per request. */
    private record FrontendMeters(Counter requests, Counter received, Counter sent) {}

    /** The per-request meters of a backend: responses by status class (index 1 to 5), and times. */
    private record BackendMeters(Counter[] responses, Timer responseTime) {}

    /** Metrics that will be published to {@code registry}. */
    public LoadBalancerMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** Publishes exactly these frontends and backends' servers. */
    public synchronized void sync(List<Frontend> frontends, List<Backend> backends) {
        Map<Object, Boolean> live = new IdentityHashMap<>();
        Map<String, FrontendMeters> fm = new HashMap<>();
        Map<String, BackendMeters> bm = new HashMap<>();
        for (Frontend f : frontends) {
            live.put(f, true);
            meters.computeIfAbsent(f, k -> frontendMeters(f));
            fm.put(f.name(), frontendRequestMeters(f.name()));
            if (f.tls() != null) {
                tlsMeters.computeIfAbsent(f, k -> tlsMeters(f));
            }
        }
        tlsMeters.entrySet().removeIf(e -> {
            if (live.containsKey(e.getKey()) && e.getKey().tls() != null) {
                return false;
            }
            e.getValue().forEach(registry::remove);
            return true;
        });
        for (Backend b : backends) {
            bm.put(b.name(), backendRequestMeters(b.name()));
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
        for (Map.Entry<String, FrontendMeters> e : byFrontend.entrySet()) {
            if (!fm.containsKey(e.getKey())) {
                List.of(
                                e.getValue().requests(),
                                e.getValue().received(),
                                e.getValue().sent())
                        .forEach(registry::remove);
            }
        }
        for (Map.Entry<String, BackendMeters> e : byBackend.entrySet()) {
            if (!bm.containsKey(e.getKey())) {
                for (Counter c : e.getValue().responses()) {
                    if (c != null) {
                        registry.remove(c);
                    }
                }
                registry.remove(e.getValue().responseTime());
            }
        }
        byFrontend = Map.copyOf(fm);
        byBackend = Map.copyOf(bm);
        syncExpiry(frontends);
    }

    private void syncExpiry(List<Frontend> frontends) {
        Map<List<String>, Double> next = new HashMap<>();
        for (Frontend f : frontends) {
            ServerTls tls = f.tls();
            if (tls != null) {
                for (TlsCertificate c : tls.certificates()) {
                    next.put(List.of(f.name(), c.source().cert().toString()), (double)
                            c.notAfter().getEpochSecond());
                }
            }
        }
        expiry = Map.copyOf(next);
        for (List<String> key : next.keySet()) {
            expiryGauges.computeIfAbsent(
                    key,
                    k -> Gauge.builder("tandem.tls.certificate.expiry", this, m -> m.expiry.getOrDefault(k, Double.NaN))
                            .description("When the certificate expires (its notAfter), in seconds since the epoch")
                            .baseUnit("seconds")
                            .tags("frontend", k.get(0), "certificate", k.get(1))
                            .strongReference(true)
                            .register(registry));
        }
        expiryGauges.entrySet().removeIf(e -> {
            if (next.containsKey(e.getKey())) {
                return false;
            }
            registry.remove(e.getValue());
            return true;
        });
    }

    /**
     * Counts a finished request or session: requests and bytes per frontend, responses by status
     * class and their times per backend. Called on event loops; only counter increments.
     */
    @Override
    public void ended(AccessLogEntry e) {
        FrontendMeters f = byFrontend.get(e.frontend());
        if (f != null) {
            if (e.mode() == Mode.HTTP) {
                f.requests().increment();
            }
            f.received().increment(e.bytesIn());
            f.sent().increment(e.bytesOut());
        }
        if (e.mode() == Mode.HTTP && e.backend() != null && e.status() >= 100 && e.status() < 600) {
            BackendMeters b = byBackend.get(e.backend());
            if (b != null) {
                b.responses()[e.status() / 100].increment();
                b.responseTime().record(e.totalNanos(), TimeUnit.NANOSECONDS);
            }
        }
    }

    private FrontendMeters frontendRequestMeters(String name) {
        Tags tags = Tags.of("frontend", name);
        return new FrontendMeters(
                Counter.builder("tandem.frontend.http.requests")
                        .description("HTTP requests received")
                        .tags(tags)
                        .register(registry),
                Counter.builder("tandem.bytes.received")
                        .description("Bytes read from clients")
                        .tags(tags)
                        .register(registry),
                Counter.builder("tandem.bytes.sent")
                        .description("Bytes written to clients")
                        .tags(tags)
                        .register(registry));
    }

    private BackendMeters backendRequestMeters(String name) {
        Counter[] responses = new Counter[6];
        for (int c = 1; c <= 5; c++) {
            responses[c] = Counter.builder("tandem.backend.http.responses")
                    .description("HTTP responses sent to clients")
                    .tags("backend", name, "code", c + "xx")
                    .register(registry);
        }
        Timer time = Timer.builder("tandem.backend.response")
                .description("Time from a request's arrival to the end of its response")
                .tags("backend", name)
                .serviceLevelObjectives(RESPONSE_BUCKETS)
                .register(registry);
        return new BackendMeters(responses, time);
    }

    private List<Meter> frontendMeters(Frontend f) {
        Tags tags = Tags.of("frontend", f.name());
        List<Meter> list = new ArrayList<>();
        list.add(FunctionCounter.builder("tandem.frontend.connections", f, Frontend::connectionsTotal)
                .description("Client connections accepted")
                .tags(tags)
                .register(registry));
        list.add(Gauge.builder("tandem.frontend.current.connections", f, Frontend::currentConnections)
                .description("Client connections open now")
                .tags(tags)
                .strongReference(true)
                .register(registry));
        list.add(FunctionCounter.builder("tandem.frontend.http2.streams", f, Frontend::http2StreamsTotal)
                .description("HTTP/2 streams opened by clients")
                .tags(tags)
                .register(registry));
        for (Refusal r : Refusal.values()) {
            list.add(FunctionCounter.builder("tandem.frontend.requests.refused", f, x -> x.requestsRefused(r.label()))
                    .description("Requests (tcp: connections) refused, by reason")
                    .tags("frontend", f.name(), "reason", r.label())
                    .register(registry));
        }
        return list;
    }

    private List<Meter> tlsMeters(Frontend f) {
        HandshakeStats stats = f.handshakes();
        List<Meter> list = new ArrayList<>();
        list.add(FunctionCounter.builder("tandem.tls.handshakes", stats, HandshakeStats::handshakes)
                .description("TLS handshakes completed")
                .tags("frontend", f.name())
                .register(registry));
        for (HandshakeStats.Reason r : HandshakeStats.Reason.values()) {
            list.add(FunctionCounter.builder("tandem.tls.handshake.failures", stats, x -> x.failures(r))
                    .description("TLS handshakes failed, by reason")
                    .tags("frontend", f.name(), "reason", r.label())
                    .register(registry));
        }
        return list;
    }

    private List<Meter> serverMeters(Server s) {
        Tags tags = Tags.of("backend", s.backend().name(), "server", s.name());
        List<Meter> list = new ArrayList<>();
        list.add(Gauge.builder("tandem.server.up", s, x -> x.isUp() ? 1 : 0)
                .description("1 while the server is healthy")
                .tags(tags)
                .strongReference(true)
                .register(registry));
        list.add(Gauge.builder("tandem.server.weight", s, Server::weight)
                .description("The server's current effective weight")
                .tags(tags)
                .strongReference(true)
                .register(registry));
        list.add(Gauge.builder("tandem.server.current.connections", s, Server::activeConnections)
                .description("Requests (http) or connections (tcp) on the server now")
                .tags(tags)
                .strongReference(true)
                .register(registry));
        list.add(FunctionCounter.builder("tandem.server.requests", s, Server::requestsTotal)
                .description("Requests (http) or connections (tcp) sent to the server")
                .tags(tags)
                .register(registry));
        list.add(FunctionCounter.builder("tandem.server.connect.failures", s, Server::connectFailuresTotal)
                .description("Failed or timed-out connection attempts on live traffic")
                .tags(tags)
                .register(registry));
        list.add(FunctionCounter.builder("tandem.server.check.failures", s, Server::checkFailuresTotal)
                .description("Failed active health checks")
                .tags(tags)
                .register(registry));
        return list;
    }
}
