package org.tandemlb.admin.api;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.PooledByteBufAllocator;
import io.prometheus.client.exporter.common.TextFormat;

/**
 * The daemon's metrics: one {@link PrometheusMeterRegistry} (never a global one) that the daemon
 * hands to lb-core for the meters of docs/admin-api.md, plus the JVM and process meters of Micrometer's
 * binders and the memory of Netty's pooled allocator, which is where lb-core keeps its buffers
 * ({@code tandem_netty_allocator_used_direct_bytes}, {@code ..._used_heap_bytes}).
 */
// The registry is Micrometer's Prometheus "simpleclient" one, which Micrometer deprecates in favour
// of the client 1.x registry; that one serves another text (other names for some JVM meters, the
// exposition format 1.0.0) that users' dashboards and alert rules do not expect. Kept on purpose.
@SuppressWarnings("deprecation")
public final class AdminMetrics implements AutoCloseable {
    /** The media type of {@link #scrape()}: the Prometheus text format 0.0.4. */
    public static final String CONTENT_TYPE = TextFormat.CONTENT_TYPE_004;

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();

    /** A registry with the JVM, process and allocator meters bound. */
    public AdminMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        ByteBufAllocatorMetric netty = PooledByteBufAllocator.DEFAULT.metric();
        Gauge.builder("tandem.netty.allocator.used.direct", netty, ByteBufAllocatorMetric::usedDirectMemory)
                .description("Direct memory held by Netty's pooled allocator (the proxy's buffers)")
                .baseUnit("bytes")
                .register(registry);
        Gauge.builder("tandem.netty.allocator.used.heap", netty, ByteBufAllocatorMetric::usedHeapMemory)
                .description("Heap memory held by Netty's pooled allocator")
                .baseUnit("bytes")
                .register(registry);
    }

    /**
     * The cluster gauges of a node without a {@code cluster} section, which is always active and
     * alone: {@code tandem_cluster_active 1} and {@code tandem_cluster_members 1}, so that one set
     * of alert rules ("no active node", "two active nodes") fits a solo node and a pair. A cluster
     * node gets lb-cluster's {@code ClusterMetrics} instead.
     */
    public void bindSoloNode() {
        Gauge.builder("tandem.cluster.active", () -> 1)
                .description("1 while this node is active (always, without a cluster)")
                .register(registry);
        Gauge.builder("tandem.cluster.members", () -> 1)
                .description("Cluster members this node sees alive, itself included (1 without a cluster)")
                .register(registry);
    }

    /** The registry, for {@code LoadBalancer.Builder.meterRegistry}. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /**
     * Every meter in the Prometheus text format 0.0.4. Reads counters and gauges from memory (the
     * process meters read {@code /proc}, which does not block on a disk); a few milliseconds with
     * hundreds of servers.
     */
    public String scrape() {
        return registry.scrape(CONTENT_TYPE);
    }

    /** Stops the GC listener and closes the registry. */
    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
