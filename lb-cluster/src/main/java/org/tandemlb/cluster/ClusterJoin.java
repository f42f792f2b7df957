package org.tandemlb.cluster;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jgroups.JChannel;
import org.jgroups.View;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The join of a {@link ClusterNode}'s channel: {@code JChannel.connect} on a thread of its own,
 * because it holds the channel's lock for the whole join (a stop could not even close the
 * channel meanwhile). The caller waits only until the ports are bound; the join itself is bounded
 * by JGroups' join timeout and attempts ({@link ClusterStack}). A stop during the join abandons it:
 * the join thread closes the channel when the join ends.
 */
final class ClusterJoin {
    private static final Logger log = LoggerFactory.getLogger(ClusterJoin.class);

    private final ClusterConfig config;
    private final LongSupplier ticker;
    private final CompletableFuture<Void> bound = new CompletableFuture<>();
    /** Completes when the join ends: in a view (normally), or exceptionally when it failed. */
    private final CompletableFuture<Void> joined = new CompletableFuture<>();
    /** Orders the end of the join with a stop: whoever comes second closes the channel. */
    private final Object lock = new Object();

    private boolean ended;
    private boolean abandoned;

    ClusterJoin(ClusterConfig config, LongSupplier ticker) {
        this.config = config;
        this.ticker = ticker;
    }

    /** For the stack's top protocol: every protocol has started (the ports are bound). */
    void bound() {
        bound.complete(null);
    }

    /**
     * Starts the join of {@code ch} on the {@code tandem-join} thread and waits until the ports are
     * bound (at most {@code waitSeconds}); throws what failed before that (a port in use).
     */
    void start(JChannel ch, long waitSeconds) throws Exception {
        Thread joiner = new Thread(() -> run(ch), "tandem-join");
        joiner.setDaemon(true);
        joiner.start();
        CompletableFuture.anyOf(bound, joined).get(waitSeconds, TimeUnit.SECONDS);
        if (joined.isCompletedExceptionally()) {
            joined.join(); // throws the join's failure
        }
    }

    /**
     * For a stop: when the join is still under way, marks it abandoned (the join thread closes the
     * channel when it ends) and returns true; false when it has ended and the channel is the
     * caller's to close.
     */
    boolean abandonIfJoining() {
        synchronized (lock) {
            abandoned = !ended;
            return abandoned;
        }
    }

    /** Completes when the join has ended; exceptionally when it failed. */
    CompletableFuture<Void> joined() {
        return joined.copy();
    }

    private void run(JChannel ch) {
        long from = ticker.getAsLong();
        try {
            ch.connect(config.name());
        } catch (Exception e) {
            boolean quiet;
            synchronized (lock) {
                ended = true;
                quiet = abandoned || !bound.isDone(); // stopped, or start() throws it
            }
            joined.completeExceptionally(e);
            if (!quiet) {
                log.error(
                        "node {} could not join cluster {}: {}", config.node(), config.name(), ClusterNode.describe(e));
            }
            return;
        }
        boolean close;
        synchronized (lock) {
            ended = true;
            close = abandoned;
        }
        if (close) {
            ch.close(); // stopped while joining: the stop left the channel to us
            joined.complete(null);
            return;
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(ticker.getAsLong() - from);
        View v = ch.getView();
        if (v != null && v.size() == 1 && !SoloWatch.others(config).isEmpty()) {
            // Either no peer answered, or all were starting too and this node came first: either
            // way its peers join this cluster, or merge with it once they hear each other.
            log.info(
                    "node {} formed cluster {} on {} as its first member after {} ms: its peers join it, or merge "
                            + "with it when they hear each other",
                    config.node(),
                    config.name(),
                    config.bind(),
                    ms);
        } else {
            log.info(
                    "node {} joined cluster {} on {} in {} ms: {}",
                    config.node(),
                    config.name(),
                    config.bind(),
                    ms,
                    v == null ? "[]" : v.getMembers());
        }
        joined.complete(null);
    }
}
