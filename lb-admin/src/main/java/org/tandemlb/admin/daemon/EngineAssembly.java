package org.tandemlb.admin.daemon;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.admin.accesslog.AccessLog;
import org.tandemlb.admin.api.AdminMetrics;
import org.tandemlb.admin.config.TandemConfig;
import org.tandemlb.cluster.ClusterConfig;
import org.tandemlb.cluster.ClusterNode;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.LoadBalancerException;
import org.tandemlb.core.Warmup;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.tls.TicketKeys;
import org.tandemlb.core.tls.TlsProvider;
import org.tandemlb.core.transport.Transport;

/**
 * How the daemon's start builds its {@link LoadBalancer}: with the transport and TLS provider the
 * environment chooses ({@link EngineEnvironment}), a cluster node's standby configuration and
 * shared session-ticket keys, the access logs and state file hooked in, and the data plane warmed
 * up before it is built. The load balancer comes back built, not started.
 */
final class EngineAssembly {
    // The daemon's log lines, under its name as before this class was split from it.
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    private final int threads;
    private final Transport transport;
    private final TlsProvider tlsProvider; // null: the load balancer chooses
    private final boolean warmup;

    private EngineAssembly(int threads, Transport transport, TlsProvider tlsProvider, boolean warmup) {
        this.threads = threads;
        this.transport = transport;
        this.tlsProvider = tlsProvider;
        this.warmup = warmup;
    }

    /**
     * Reads what {@code env} chooses for the engine, first in the start: a bad value fails it
     * before anything is opened.
     *
     * @param threads the event loops (0: one per processor)
     * @throws LoadBalancerException for an unknown or unavailable transport or TLS provider, or a
     *                               bad warm-up switch
     */
    static EngineAssembly fromEnv(Map<String, String> env, int threads) {
        Transport transport = EngineEnvironment.transport(env); // unknown or unavailable: the start fails
        TlsProvider tlsProvider = EngineEnvironment.tlsProvider(env); // so does an unknown or unavailable TLS provider
        boolean warmup = EngineEnvironment.warmup(env);
        return new EngineAssembly(threads, transport, tlsProvider, warmup);
    }

    /**
     * The load balancer of {@code config}, built and not started.
     *
     * @param registry where its meters go
     * @param logs     its access listener
     * @param kept     the state file it restores before it listens; null for none
     */
    LoadBalancer build(TandemConfig config, AdminMetrics registry, AccessLog logs, StateFile kept) {
        ClusterConfig clusterConfig = config.cluster();
        // A cluster node starts as a standby: the frontends on its bind-driver VIPs are bound
        // when it is elected.
        LoadBalancerConfig first = clusterConfig == null
                ? config.loadBalancer()
                : ClusterNode.standbyConfig(config.loadBalancer(), clusterConfig);
        LoadBalancer.Builder builder = LoadBalancer.builder(first)
                .threads(threads)
                .transport(transport)
                .meterRegistry(registry.registry());
        if (tlsProvider != null) {
            builder.tlsProvider(tlsProvider);
        }
        if (clusterConfig != null) {
            // Both nodes derive the same session-ticket keys: a client resumes on either.
            builder.ticketKeys(TicketKeys.fromSecret(
                    clusterConfig.secret().getBytes(StandardCharsets.UTF_8),
                    TicketKeys.DEFAULT_PERIOD,
                    Clock.systemUTC()));
        }
        builder.accessListener(logs); // always: a log turned on by a reload works at once
        if (kept != null) {
            builder.beforeListening(kept::restore); // no request reaches a server drained before the restart
        }
        if (warmup) {
            warmUp(config.loadBalancer());
        }
        return builder.build();
    }

    /**
     * Runs requests through a private copy of the frontends first, so that the first real clients,
     * and those of a standby just elected, do not wait for the JVM to load and compile the
     * request path (docs/behaviour.md, "Warm-up at start").
     */
    private void warmUp(LoadBalancerConfig config) {
        Warmup.Result warmed =
                Warmup.of(config).transport(transport).tlsProvider(tlsProvider).run();
        log.info(
                "data plane warmed up: {} requests ({} through to a stub server, {} without an answer) in {} ms",
                warmed.requests(),
                warmed.proxied(),
                warmed.failed(),
                warmed.took().toMillis());
    }
}
