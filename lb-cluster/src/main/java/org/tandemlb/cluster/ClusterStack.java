package org.tandemlb.cluster;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.AUTH;
import org.jgroups.protocols.BARRIER;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.FRAG2;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.stack.Protocol;

/**
 * The JGroups protocol stack of a Tandem cluster, written out in one place, with where each timing
 * comes from. Built programmatically from a {@link ClusterConfig}: no XML, no system properties.
 *
 * <p>Bottom to top:
 * <pre>
 * TCP            static peers, works where multicast is blocked (docs/cluster.md)
 * SYM_ENCRYPT    AES-256/CBC, key from the secret; directly above the transport, so every message
 *                of every protocol above (discovery, failure detection, membership, ours) is
 *                encrypted, and traffic under another key is dropped
 * TCPPING        discovery over the static peer list
 * MERGE3         finds and merges the sub-clusters of a healed partition
 * FD_SOCK2       a TCP ring between members: a crashed process's kernel closes the socket at once
 * FD_ALL3        heartbeats: notices a silent host (frozen, cut off) after a timeout
 * VERIFY_SUSPECT2 double-checks a suspicion before a member is excluded
 * BARRIER, NAKACK2, UNICAST3, STABLE   reliable, FIFO delivery
 * AUTH           a join or merge needs a proof of the secret ({@link SecretToken})
 * GMS            membership (views)
 * FRAG2          large state messages
 * </pre>
 */
public final class ClusterStack {
    /** Our protocol id for {@link TandemEncrypt}; JGroups reserves ids below 1000. */
    private static final short ENCRYPT_ID = 1580;

    private static final short STARTED_ID = 1581;
    /** GMS rounds of discovery and JOIN before a node forms a cluster of its own. */
    static final int MAX_JOIN_ATTEMPTS = 3;
    /** Discovery requests sent per join round (spread over the round's join_timeout). */
    static final int DISCOVERY_RUNS = 3;

    static {
        ClassConfigurator.addProtocol(ENCRYPT_ID, TandemEncrypt.class);
        ClassConfigurator.addProtocol(STARTED_ID, StackStarted.class);
    }

    /**
     * The longest a join can take: GMS's rounds of a discovery and a JOIN, {@code join_timeout}
     * each, plus a margin for a starved machine.
     */
    static Duration maxJoinTime() {
        return Duration.ofMillis(MAX_JOIN_ATTEMPTS * 2 * 2000L + 3000);
    }

    /**
     * The top of the stack: tells its owner when {@code connect} has started every protocol below
     * it (bottom-up, so the ports are bound) and the join is about to begin. Passes everything
     * through.
     */
    public static final class StackStarted extends Protocol {
        private final Runnable onStarted;

        /** For JGroups' configurator; does nothing on start. */
        public StackStarted() {
            this(() -> {});
        }

        StackStarted(Runnable onStarted) {
            this.onStarted = onStarted;
        }

        @Override
        public void start() throws Exception {
            super.start();
            onStarted.run();
        }
    }

    /**
     * Failure-detection timings. Detection of a silent member takes between
     * {@code fdTimeout - fdInterval} and {@code fdTimeout + fdInterval} after its last message, plus
     * {@code verifyTimeout}; a crashed process is noticed by FD_SOCK2 at once, then verified for
     * {@code verifyTimeout}.
     *
     * @param name             {@code default} or {@code fast}
     * @param fdInterval       FD_ALL3 heartbeat interval
     * @param fdTimeout        FD_ALL3 timeout: silence after which a member is suspected
     * @param verifyTimeout    VERIFY_SUSPECT2: how long a suspect has to answer "I am not dead"
     * @param mergeMin         MERGE3 min_interval between looks for other sub-clusters
     * @param mergeMax         MERGE3 max_interval
     * @param advertInterval   how often a member repeats its state (election input) to the others
     * @param lease            the kernel lifetime of a VIP added by the linux driver; renewed four
     *                         times per lease while active
     * @param dadWait          how long duplicate-address detection waits for an answer
     * @param pauseThreshold   a jump of the monotonic clock past this (a frozen process resumed)
     *                         releases the VIPs at once; past the failure-detection time
     */
    public record Profile(
            String name,
            Duration fdInterval,
            Duration fdTimeout,
            Duration verifyTimeout,
            Duration mergeMin,
            Duration mergeMax,
            Duration advertInterval,
            Duration lease,
            Duration dadWait,
            Duration pauseThreshold) {

        /**
         * Meets the goals of docs/cluster.md with margin: a crash is replaced in about
         * verifyTimeout (0.1-0.2 s: VERIFY_SUSPECT2 checks its suspects every timeout) + claim
         * (about 0.25 s for DAD, {@code ip addr replace} and the first gratuitous ARP): within 1 s
         * even on a busy machine; a silent failure within fdTimeout + fdInterval + verifyTimeout +
         * claim (0.7 + 0.15 + 0.2 + 0.25 = 1.3 s, within 2 s). A false suspicion needs 0.8 s
         * without a single message from a live member that sends one every 0.15 s (five in a row
         * lost or late, then no answer to the verification): beyond a busy machine's scheduling
         * delays and a young-generation GC pause. (The first timings, 0.6 s and a 0.2 s
         * verification, needed the same 0.8 s, but a crash waited 0.2-0.4 s for its verification:
         * a loaded CI machine once measured a 1.2 s failover.) The pause detector releases the
         * VIPs after a pause of 1 s, past that failure-detection time (a shorter pause the peer
         * may still have taken for a failure is settled by the election: the later claim wins,
         * within an advert interval); a lower threshold would turn a starved CPU into failovers.
         * keepalived's defaults, for comparison: adverts every 1 s, 3 missed plus skew (about 3 s).
         */
        public static final Profile DEFAULT = new Profile(
                "default",
                Duration.ofMillis(150),
                Duration.ofMillis(700),
                Duration.ofMillis(100),
                Duration.ofSeconds(1),
                Duration.ofSeconds(2),
                Duration.ofMillis(500),
                Duration.ofSeconds(2),
                Duration.ofMillis(100),
                Duration.ofMillis(1000));

        /**
         * For a dedicated LAN with little jitter: a silent failure is suspected 0.18 s (± one
         * heartbeat interval) after the member's last message, verified within 0.06-0.12 s
         * (VERIFY_SUSPECT2 checks its suspects every {@code timeout}, so a suspect waits between
         * one and two timeouts), then claimed in about 0.1 s (the address and the first
         * gratuitous ARP; the standby's own DAD rounds spare the claim its wait): 0.38 s on
         * average, 0.5 s when every step takes its longest. (With a 0.12 s verification the
         * average was 0.47 s and the longest 0.6 s: a test's silent cut once took 0.54 s.)
         * A false suspicion still needs 0.24-0.3 s of total silence from a member heartbeating
         * every 60 ms, and then no answer to the verification: JGroups' timer and sender threads
         * are few and short, so two busy cores delay them by milliseconds (measured: no false
         * failover with both cores busy), but a GC pause or a host swapping for 0.25 s is a
         * failover. The pause detector's threshold is 0.6 s, as for the default timings: past
         * the failure detection, not at it.
         */
        public static final Profile FAST = new Profile(
                "fast",
                Duration.ofMillis(60),
                Duration.ofMillis(180),
                Duration.ofMillis(60),
                Duration.ofMillis(500),
                Duration.ofSeconds(1),
                Duration.ofMillis(250),
                Duration.ofSeconds(2),
                Duration.ofMillis(50),
                Duration.ofMillis(600));

        /** {@code default} or {@code fast}. */
        public static Profile named(String name) {
            return switch (name) {
                case "default" -> DEFAULT;
                case "fast" -> FAST;
                default ->
                    throw new IllegalArgumentException("unknown cluster profile '" + name + "' (default or fast)");
            };
        }

        /**
         * How long other members' adverts stay valid when they come from outside the current view
         * (a partition healing, a resumed node): three advert intervals.
         */
        public Duration staleAfter() {
            return advertInterval.multipliedBy(3);
        }
    }

    private ClusterStack() {}

    /**
     * A channel for {@code config}, not yet connected.
     *
     * @param onForeignKey told of every message encrypted with another key (a node with another
     *                     secret), on a JGroups thread
     */
    public static JChannel channel(ClusterConfig config, Consumer<Address> onForeignKey) throws Exception {
        return channel(config, onForeignKey, () -> {});
    }

    /**
     * A channel for {@code config}, not yet connected.
     *
     * @param onForeignKey told of every message encrypted with another key (a node with another
     *                     secret), on a JGroups thread
     * @param onBound      run by {@code connect} once every protocol has started (the cluster port
     *                     and the failure-detection port are bound), before the join begins
     */
    static JChannel channel(ClusterConfig config, Consumer<Address> onForeignKey, Runnable onBound) throws Exception {
        byte[][] keys = deriveKeys(config.secret(), config.name());
        List<Protocol> stack = protocols(config, keys[0], keys[1], onForeignKey);
        stack.add(new StackStarted(onBound)); // on top: protocols start bottom-up, so it starts last
        JChannel ch = new JChannel(stack);
        ch.setName(config.node());
        ch.setDiscardOwnMessages(true);
        return ch;
    }

    static List<Protocol> protocols(ClusterConfig config, byte[] aesKey, byte[] macKey, Consumer<Address> onForeignKey)
            throws UnknownHostException {
        Profile p = config.profile();
        InetAddress bindAddress = InetAddress.getByName(config.bind().host());
        List<InetSocketAddress> peers = new ArrayList<>();
        for (var peer : config.peers()) {
            peers.add(new InetSocketAddress(InetAddress.getByName(peer.host()), peer.port()));
        }
        List<Protocol> stack = new ArrayList<>();
        TCP tcp = new TCP()
                .setBindAddress(bindAddress)
                .setBindPort(config.bind().port())
                .setPortRange(0);
        // A connect to a peer that is gone must not hold the sender for long: 300 ms is many LAN
        // round trips, and JGroups' own tcp.xml uses the same.
        tcp.setSockConnTimeout(300);
        tcp.setValue("tcp_nodelay", true); // adverts and heartbeats are tiny: send them at once
        stack.add(tcp);

        TandemEncrypt encrypt = new TandemEncrypt().onForeignKey(onForeignKey);
        encrypt.symAlgorithm("AES/CBC/PKCS5Padding"); // SYM_ENCRYPT's default "AES" would be ECB
        encrypt.symIvLength(16);
        encrypt.setSecretKey(new SecretKeySpec(aesKey, "AES"));
        stack.add(encrypt);

        // Port range 0: peers are listed with their exact ports. Three discovery requests per
        // join round (at 0, 0.67 and 1.33 s), not one: two nodes started at the same instant
        // connect to each other at the same instant, and JGroups keeps one of the two TCP
        // connections and closes the other; what was already written on the closed one (a
        // discovery request) is lost. With a single request per round, each node could miss the
        // other: one formed a cluster alone, the other waited out its join rounds.
        TCPPING ping = new TCPPING().setInitialHosts(peers).setPortRange(0);
        ping.setValue("num_discovery_runs", DISCOVERY_RUNS);
        stack.add(ping);
        // MERGE3 looks for other sub-clusters every mergeMin..mergeMax (randomised so that two
        // sides do not start merges at the same moment); JGroups' default is 10-30 s, far too slow
        // for a two-node LB, and the traffic is a tiny message per member per interval.
        stack.add(new MERGE3()
                .setMinInterval(p.mergeMin().toMillis())
                .setMaxInterval(p.mergeMax().toMillis())
                .setCheckInterval(p.mergeMax().toMillis() * 2));
        // FD_SOCK2 listens on bind port + 100 (its default offset): a crashed process's kernel
        // closes that connection, and the neighbour suspects it at once. It must listen on the
        // cluster address, not the wildcard: members name their FD_SOCK2 server by the address it
        // is bound to, and 0.0.0.0 would send the answer to a connect back to the asking host.
        stack.add(new FD_SOCK2().setBindAddress(bindAddress));
        stack.add(new FD_ALL3()
                .setInterval(p.fdInterval().toMillis())
                .setTimeout(p.fdTimeout().toMillis()));
        stack.add(new VERIFY_SUSPECT2().setTimeout(p.verifyTimeout().toMillis()));
        stack.add(new BARRIER());
        // Retransmission every 200 ms (JGroups' default is 1 s): a lost advert or change is resent
        // well within one advert interval.
        stack.add(new NAKACK2()
                .setXmitInterval(200)
                .setValue("use_mcast_xmit", false)
                // Multicasts from a member outside the view (a healing partition) are expected:
                // our adverts reach across; no warning per message.
                .setValue("log_discard_msgs", false));
        stack.add(new UNICAST3().setXmitInterval(200));
        stack.add(new STABLE().setDesiredAverageGossip(5000).setMaxBytes(1_000_000));
        SecretToken token = new SecretToken(macKey);
        AUTH auth = new AUTH().setAuthToken(token);
        token.setAuth(auth);
        stack.add(auth);
        GMS gms = new GMS()
                // How long a starting node waits for the coordinator to accept its join before it
                // retries or forms a cluster of its own: peers answer in milliseconds; 2 s covers
                // a peer busy starting (JIT) on a small machine.
                .setJoinTimeout(2000)
                // Then how many rounds (a discovery of up to join_timeout, then a JOIN of up to
                // join_timeout to each coordinator found) before it forms a cluster of its own:
                // JGroups' default of 10 could keep a node whose discovery requests or JOINs went
                // unanswered in its join for up to a minute. Three rounds,
                // 12 s at most; MERGE3 then merges the two clusters within a merge interval of the
                // nodes hearing each other, which is what a longer join would have waited for.
                .setMaxJoinAttempts(MAX_JOIN_ATTEMPTS)
                // How long a coordinator waits for members to acknowledge a new view: after a
                // failure the remaining members answer in milliseconds.
                .setViewAckCollectionTimeout(500)
                // A leaving member waits this long for its LEAVE to be acknowledged.
                .setLeaveTimeout(500)
                .setMergeTimeout(2000);
        gms.setValue("print_local_addr", false);
        stack.add(gms);
        stack.add(new FRAG2());
        return stack;
    }

    /**
     * Derives two 256-bit keys from the secret with PBKDF2-HMAC-SHA256, salted with the cluster name
     * (so equal secrets in two clusters give different keys): the first encrypts (AES-256), the
     * second authenticates joins ({@link SecretToken}).
     */
    static byte[][] deriveKeys(String secret, String clusterName) {
        try {
            SecretKeyFactory f = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
            byte[] salt = ("tandem-cluster:" + clusterName).getBytes(StandardCharsets.UTF_8);
            // 100,000 iterations: about 50 ms once at start, and a brute force of a weak secret
            // from captured traffic costs as much per guess.
            PBEKeySpec spec = new PBEKeySpec(secret.toCharArray(), salt, 100_000, 512);
            byte[] both = f.generateSecret(spec).getEncoded();
            spec.clearPassword();
            return new byte[][] {Arrays.copyOfRange(both, 0, 32), Arrays.copyOfRange(both, 32, 64)};
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available", e);
        }
    }
}
