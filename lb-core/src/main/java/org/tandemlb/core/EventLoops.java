package org.tandemlb.core;

import io.netty.channel.EventLoopGroup;
import java.util.concurrent.TimeUnit;
import org.tandemlb.core.transport.Transport;

/**
 * The event loops a load balancer runs on, and who owns them: the embedder's (given with
 * {@link LoadBalancer.Builder#eventLoops}, left running at stop), or a group the load balancer
 * made (shut down at stop).
 */
final class EventLoops {
    final Transport transport;
    /** Where the listening sockets live: the workers themselves unless the embedder said otherwise. */
    final EventLoopGroup acceptors;

    final EventLoopGroup workers;
    private final boolean owned;

    /**
     * @param transport null for {@link Transport#best()}
     * @param threads   the loops of a group of its own; 0 or less for one per processor
     * @param acceptors the embedder's loops for the listening sockets; null for {@code workers}
     * @param workers   the embedder's loops; null to make a group of its own
     */
    EventLoops(Transport transport, int threads, EventLoopGroup acceptors, EventLoopGroup workers) {
        this.transport = transport != null ? transport : Transport.best();
        if (workers != null) {
            this.workers = workers;
            this.acceptors = acceptors != null ? acceptors : workers;
            this.owned = false;
        } else {
            int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
            this.workers = this.transport.newGroup(n, "tandem-io");
            // The listeners live on the event loops themselves, as HAProxy accepts on its worker
            // threads: no accept thread to wake and hand each connection over from (measured with
            // io_uring, Connection: close: 6-10 % less CPU per connection, voluntary context
            // switches per connection 0.4-0.5 -> 0.05-0.15).
            this.acceptors = this.workers;
            this.owned = true;
        }
    }

    /** The number of worker loops. */
    int count() {
        int n = 0;
        for (var ignored : workers) {
            n++;
        }
        return n;
    }

    /** Shuts the loops down if the load balancer made them; the embedder's stay up. */
    void shutdown() {
        if (owned) {
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }
}
