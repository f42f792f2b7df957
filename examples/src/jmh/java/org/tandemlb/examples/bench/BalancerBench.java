package org.tandemlb.examples.bench;

import io.netty.util.concurrent.ImmediateEventExecutor;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Refusal;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.backend.ServerGrant;
import org.tandemlb.core.backend.balance.Balancer;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Balance;
import org.tandemlb.core.config.HashPolicy;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;

/**
 * The pick path of every request (HTTP) or connection (TCP): {@code acquire} is what the proxy
 * calls (the backend's lock, the usable servers, the algorithm, the slot), answered on the
 * calling thread as on an event loop; {@code pick} is the algorithm alone over a fixed list. A
 * {@code leastconn} backend does not use the list form: it keeps its servers in order, so its
 * {@code acquire} scans nothing ({@link LeastConnBench} compares the two forms).
 * Run with {@code -prof gc}: the pick path should allocate nothing.
 */
@State(Scope.Thread)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BalancerBench {
    @Param({"roundrobin", "leastconn", "random", "source", "hash"})
    public String balance;

    @Param({"2", "10", "100", "1000"})
    public int servers;

    private Backend backend;
    private Balancer balancer;
    private List<Server> candidates;
    private final byte[] clientKey = {(byte) 203, 0, 113, 7};
    private final Grant grant = new Grant();

    /** Takes the answer and gives the slot back at once, so that loads stay level. */
    static final class Grant implements ServerGrant {
        Server last;

        @Override
        public void granted(Server server) {
            last = server;
            server.release();
        }

        @Override
        public void refused(Refusal reason) {
            throw new IllegalStateException("refused: " + reason);
        }
    }

    @Setup
    public void setUp() {
        Balance algorithm = Balance.valueOf(balance.toUpperCase(Locale.ROOT));
        BackendConfig.Builder b = BackendConfig.builder("web", Mode.HTTP).balance(algorithm);
        if (algorithm == Balance.HASH) {
            // The key stands for a request's header value; no bounded loads (HAProxy's default).
            b.hash(new HashPolicy(HashPolicy.Source.HEADER, "X-User", 0));
        }
        for (int i = 1; i <= servers; i++) {
            b.server(ServerConfig.builder("web" + i, "127.0." + i / 250 + "." + (i % 250 + 1) + ":8080")
                    .weight(100)
                    .build());
        }
        BackendConfig config = b.build();
        backend = new Backend(config);
        balancer = Balancer.of(config);
        candidates = backend.servers();
    }

    @Benchmark
    public Server acquire() {
        backend.acquire(clientKey, Set.of(), ImmediateEventExecutor.INSTANCE, grant);
        return grant.last;
    }

    @Benchmark
    public Server pick() {
        return balancer.pick(candidates, clientKey);
    }
}
