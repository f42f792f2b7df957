package org.tandemlb.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.function.LongSupplier;
import org.tandemlb.core.config.HostPort;

/**
 * The split-brain guard (docs/cluster.md, "Split brain"): a node claims or keeps the VIPs only while a third address
 * (the default gateway, a DNS server) answers. "Answers" means it accepts a TCP connection within
 * {@code timeout}. {@link #probe} blocks: the node calls it on its own thread.
 */
public final class Tiebreaker {
    private final HostPort address;
    private final int timeoutMillis;
    private final long validNanos;
    private final LongSupplier ticker;
    private volatile long lastAnswer;
    private volatile boolean answeredOnce;

    /**
     * @param timeoutMillis how long a connect may take
     * @param validNanos    how long an answer counts for
     */
    public Tiebreaker(HostPort address, int timeoutMillis, long validNanos, LongSupplier ticker) {
        this.address = address;
        this.timeoutMillis = timeoutMillis;
        this.validNanos = validNanos;
        this.ticker = ticker;
    }

    /** Tries once; blocking for up to the timeout. */
    public boolean probe() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address.host(), address.port()), timeoutMillis);
            record(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    void record(boolean answered) {
        if (answered) {
            lastAnswer = ticker.getAsLong();
            answeredOnce = true;
        }
    }

    /** Whether the tiebreaker answered recently enough. */
    public boolean ok() {
        return answeredOnce && ticker.getAsLong() - lastAnswer <= validNanos;
    }

    /** The address. */
    public HostPort address() {
        return address;
    }
}
