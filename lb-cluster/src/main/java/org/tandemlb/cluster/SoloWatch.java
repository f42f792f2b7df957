package org.tandemlb.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.config.HostPort;

/**
 * Notices a node that runs alone although it has peers: its view has had only itself in it for
 * longer than a merge interval (MERGE3 would have merged it with any peer it can hear by then).
 * Then, at most once per {@code every}, it asks whether a configured peer accepts connections on
 * its cluster port: if one does, the two are up and reachable but not one cluster (another
 * {@code cluster.name} or secret, or a merge that does not happen), which an operator must hear
 * about; if none does, the peer is simply down, as the member count says.
 *
 * <p>{@link #viewChanged}, {@link #due} and {@link #report} are called on the node's cluster
 * thread; {@link #reachable} blocks (a TCP connect per peer) and runs on the node's IO thread.
 */
final class SoloWatch {
    // Under Membership's name, as before this was split out of it: the lines operators see and
    // filter on stay the same.
    private static final Logger log = LoggerFactory.getLogger(Membership.class);
    /** A node alone while a peer is reachable says so this often. */
    private static final long LOG_EVERY = TimeUnit.MINUTES.toNanos(1);

    private final List<HostPort> peers;
    private final long graceNanos;
    private final long everyNanos;
    private final int connectTimeoutMillis;
    private final LongSupplier ticker;
    private long aloneSince = -1;
    private long lastCheck;
    private boolean checked;

    /**
     * @param peers the other members' cluster addresses (not this node's own)
     * @param grace how long a node may run alone before it counts (a merge interval)
     * @param every how often it is said again while it lasts
     */
    SoloWatch(List<HostPort> peers, long graceNanos, long everyNanos, int connectTimeoutMillis, LongSupplier ticker) {
        this.peers = List.copyOf(peers);
        this.graceNanos = graceNanos;
        this.everyNanos = everyNanos;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.ticker = ticker;
    }

    /** The watch of {@code config}'s node, with the cluster's timings. */
    static SoloWatch of(ClusterConfig config, LongSupplier ticker) {
        // Alone for five merge intervals (10 s): MERGE3 hears the others within a max interval,
        // checks every two, and a merge may take its merge timeout (2 s) and a retry.
        return new SoloWatch(
                others(config), config.profile().mergeMax().multipliedBy(5).toNanos(), LOG_EVERY, 300, ticker);
    }

    /** The configured peers other than {@code self}. */
    static List<HostPort> others(ClusterConfig config) {
        return config.peers().stream().filter(p -> !p.equals(config.bind())).toList();
    }

    /** A new view of {@code size} members. */
    void viewChanged(int size) {
        if (size > 1) {
            aloneSince = -1;
            checked = false;
        } else if (aloneSince < 0) {
            aloneSince = ticker.getAsLong();
        }
    }

    /** Whether the peers should be checked now: alone past the grace, and not checked within {@code every}. */
    boolean due() {
        long now = ticker.getAsLong();
        if (peers.isEmpty()
                || aloneSince < 0
                || now - aloneSince < graceNanos
                || (checked && now - lastCheck < everyNanos)) {
            return false;
        }
        checked = true;
        lastCheck = now;
        return true;
    }

    /** How long this node has been alone, in seconds (0 when it is not). */
    long aloneSeconds() {
        return aloneSince < 0 ? 0 : (ticker.getAsLong() - aloneSince) / 1_000_000_000L;
    }

    /**
     * Alone past a merge interval: says so loudly when a peer is reachable all the same. The
     * connects run on {@code far}, the thread of the adverts to members outside the view, which
     * already tolerates a connect that waits: the cluster's own sends are not held up by it.
     */
    void report(Executor far, String node) {
        long alone = aloneSeconds();
        try {
            far.execute(() -> {
                List<HostPort> up = reachable();
                if (!up.isEmpty()) {
                    log.warn(
                            "node {} has run alone for {} s although peer(s) {} accept connections on the cluster port: "
                                    + "not one cluster (check that cluster.name and cluster.secret are the same on every node; "
                                    + "tandem_cluster_members is 1)",
                            node,
                            alone,
                            up);
                } else {
                    log.info("node {} runs alone: no configured peer answers on its cluster port {}", node, peers);
                }
            });
        } catch (RejectedExecutionException e) {
            // stopping
        }
    }

    /** The peers that accept a TCP connection on their cluster port now. Blocks up to the connect timeout per peer. */
    List<HostPort> reachable() {
        List<HostPort> up = new ArrayList<>();
        for (HostPort p : peers) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(p.host(), p.port()), connectTimeoutMillis);
                up.add(p);
            } catch (IOException e) {
                // down or filtered: not reachable
            }
        }
        return up;
    }
}
