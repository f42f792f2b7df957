package org.tandemlb.examples.bench;

import java.util.ArrayList;
import java.util.List;
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
import org.tandemlb.core.backend.balance.Balancer;
import org.tandemlb.core.backend.balance.Candidate;
import org.tandemlb.core.backend.balance.LeastConnQueue;

/**
 * {@code leastconn} alone, old against new, as the number of servers grows: {@code scan} is the
 * list form ({@code Balancer.leastConn()}), which looks at every server on every pick;
 * {@code queue} is what a {@code leastconn} backend does now, the head of its
 * {@link LeastConnQueue} and the two re-keyings of a request's life (its slot taken, then given
 * back). {@code BalancerBench.acquire} measures the whole pick path around either.
 */
@State(Scope.Thread)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LeastConnBench {
    @Param({"2", "10", "100", "1000"})
    public int servers;

    /** A server with a settable load. */
    static final class Srv implements Candidate {
        final String id;
        final LeastConnQueue.Entry<Srv> entry = new LeastConnQueue.Entry<>(this);
        int active;

        Srv(String id) {
            this.id = id;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public int weight() {
            return 100;
        }

        @Override
        public int activeConnections() {
            return active;
        }
    }

    private final Balancer scan = Balancer.leastConn();
    private final LeastConnQueue<Srv> queue = new LeastConnQueue<>();
    private final List<Srv> list = new ArrayList<>();
    private final byte[] clientKey = {(byte) 203, 0, 113, 7};

    @Setup
    public void setUp() {
        for (int i = 0; i < servers; i++) {
            Srv s = new Srv("web" + i);
            list.add(s);
            queue.update(s.entry, 0, s.weight());
        }
    }

    @Benchmark
    public Candidate scan() {
        return scan.pick(list, clientKey);
    }

    @Benchmark
    public Candidate queue() {
        Srv s = queue.first();
        queue.update(s.entry, s.active + 1, s.weight()); // its slot taken
        queue.update(s.entry, s.active, s.weight()); // and given back
        return s;
    }
}
