package org.tandemlb.core.frontend;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.proxy.ClientGuard;
import org.tandemlb.core.proxy.Refusal;
import org.tandemlb.core.tls.HandshakeStats;
import org.tandemlb.core.tls.ServerTls;
import org.tandemlb.core.transport.Transport;

/**
 * A frontend at run time: its listening sockets, its connection counters, and the pipeline each
 * accepted connection gets ({@code http} or {@code tcp}). At {@code max_connections} (its own, or
 * the process-wide {@link ConnectionLimit}) it stops accepting, by no longer reading its listening
 * sockets, until a connection closes: the kernel's backlog holds the clients meanwhile. Each
 * connection carries the frontend's {@link ClientGuard} (refusal counts, per-client table); one
 * past {@code limits.per_client.connections} is closed (tcp) or marked for 429 (http). With {@code accept_proxy}, a
 * connection gets its pipeline only once its PROXY protocol header has been read
 * ({@link ProxyHeaderReader}).
 *
 * <p>The configuration is read at each accept, so a reload that keeps the bind addresses changes
 * routes, timeouts and limits for new connections without touching the sockets. A reload that
 * renames a frontend, changes its mode or moves one of its addresses to another frontend hands
 * the listening socket over ({@link #bind} with the previous frontends, then {@link #takeOver}).
 */
public final class Frontend {
    private volatile FrontendConfig config;
    /** The TLS of {@code config.tls()}, or null; replaced together with the config. */
    private volatile ServerTls tls;

    private final ConnectionLimit processLimit;
    private final ClientGuard guard;
    private final Listeners listeners = new Listeners(this);
    private final Connections connections;
    private final ConnectionInit init;

    /**
     * A frontend not yet bound, alone (no process-wide limit).
     *
     * @param tls   its TLS, built from {@code config.tls()}; null when that is null
     * @param setup what its connections become (the load balancer's http and tcp pipelines)
     */
    public Frontend(FrontendConfig config, ServerTls tls, ConnectionSetup setup) {
        this(config, tls, setup, ConnectionLimit.none(), System::nanoTime);
    }

    /**
     * A frontend not yet bound.
     *
     * @param tls          its TLS, built from {@code config.tls()}; null when that is null
     * @param setup        what its connections become (the load balancer's http and tcp pipelines)
     * @param processLimit the bound on the connections of all frontends together
     * @param ticker       nanoseconds, for the per-client limits
     */
    public Frontend(
            FrontendConfig config,
            ServerTls tls,
            ConnectionSetup setup,
            ConnectionLimit processLimit,
            LongSupplier ticker) {
        checkTls(config, tls);
        this.config = config;
        this.tls = tls;
        this.processLimit = Objects.requireNonNull(processLimit, "processLimit");
        this.guard = new ClientGuard(ticker);
        this.init = new ConnectionInit(Objects.requireNonNull(setup, "setup"), guard);
        this.connections = new Connections(() -> this.config.maxConnections(), processLimit, listeners::setReading);
    }

    private static void checkTls(FrontendConfig config, ServerTls tls) {
        if ((config.tls() == null) != (tls == null)
                || (tls != null && !tls.config().equals(config.tls()))) {
            throw new IllegalArgumentException(
                    "frontend " + config.name() + ": the TLS given is not its tls setting's");
        }
    }

    /** The frontend's name. */
    public String name() {
        return config.name();
    }

    /** The configuration in force. */
    public FrontendConfig config() {
        return config;
    }

    /** The TLS in force, or null for a cleartext frontend. */
    public ServerTls tls() {
        return tls;
    }

    /** The TLS handshakes of its connections. */
    public HandshakeStats handshakes() {
        return init.handshakes();
    }

    /**
     * Takes a new configuration with the same binds and mode, and its TLS (null when it has
     * none); applies to new connections, established ones keep their certificates.
     */
    public void update(FrontendConfig next, ServerTls nextTls) {
        if (!next.binds().equals(config.binds()) || next.mode() != config.mode()) {
            throw new IllegalArgumentException("frontend " + next.name() + ": binds or mode changed; rebind instead");
        }
        checkTls(next, nextTls);
        // A connection accepted between these two writes may pair the new config with the old
        // TLS: both are complete settings of their own, and accept reads each once.
        tls = nextTls;
        config = next;
        updateAccepting(); // max_connections may have changed
    }

    /** Client connections open now. */
    public int currentConnections() {
        return connections.current();
    }

    /** Client connections accepted since start (including refused ones). */
    public long connectionsTotal() {
        return connections.total();
    }

    /** Whether the frontend accepts connections now (false at {@code max_connections}). */
    public boolean accepting() {
        return connections.accepting();
    }

    /**
     * Requests (and, in tcp mode, connections) refused since start for {@code reason}, one of
     * {@code bad_request}, {@code too_large}, {@code timeout}, {@code rate_limited}, {@code denied};
     * 0 for another.
     */
    public long requestsRefused(String reason) {
        for (Refusal r : Refusal.values()) {
            if (r.label().equals(reason)) {
                return guard.refusedTotal(r);
            }
        }
        return 0;
    }

    /**
     * {@code accept_proxy} connections closed because no valid PROXY protocol header came: a
     * malformed one, or none within the deadline.
     */
    public long proxyHeaderFailures() {
        return init.proxyHeaderFailures();
    }

    /** HTTP/2 streams opened by clients since start (h2c and h2 over TLS). */
    public long http2StreamsTotal() {
        return init.http2Streams();
    }

    /** The addresses actually bound (with the port the system chose for port 0). */
    public List<InetSocketAddress> boundAddresses() {
        return listeners.boundAddresses();
    }

    /**
     * Listens on every bind address. Where one of {@code previous} (the frontends a reload
     * replaces) listens on the same address, this frontend takes that socket over instead of
     * binding a second one: the port never closes and no connection waiting in its accept queue
     * is lost. A socket taken over goes on serving its old frontend until {@link #takeOver()}.
     * On a failure, this frontend closes the sockets it bound, gives back those it took, and
     * throws; nothing else has changed then.
     *
     * @param previous frontends whose sockets may be taken over (empty at start-up)
     * @throws ListenException naming the frontend and the address that failed
     */
    public void bind(
            Transport transport, EventLoopGroup acceptors, EventLoopGroup workers, Collection<Frontend> previous) {
        processLimit.join(this);
        try {
            listeners.bind(config, transport, acceptors, workers, previous);
        } catch (ListenException e) {
            close();
            throw e;
        }
    }

    /**
     * Makes the sockets {@link #bind} took over from the previous frontends accept for this one
     * (call once the whole reload has succeeded): new connections get this frontend's settings.
     */
    public void takeOver() {
        listeners.takeOver();
        connections.refresh();
    }

    /** Its listening sockets, which the frontends of a reload may take over. */
    Listeners listeners() {
        return listeners;
    }

    /** Counts a connection in, on its listening socket's event loop (see {@link Connections}). */
    void accepted(Channel ch) {
        guard.attach(ch);
        connections.accepted(ch);
    }

    /** Sets an accepted connection up, on its own event loop, with the settings in force. */
    void accept(Channel ch) {
        init.accept(ch, config, tls);
    }

    /** Checks whether this frontend accepts now (see {@link AcceptGate}). */
    void updateAccepting() {
        connections.update();
    }

    /**
     * Asks every open connection to finish: idle HTTP connections close at once, busy ones after
     * their current response. Call {@link #closeConnections()} when the drain time is over.
     */
    public void drain() {
        connections.drain();
    }

    /** Closes every open connection at once. */
    public void closeConnections() {
        connections.closeAll();
    }

    /**
     * Stops listening; open connections go on. Sockets handed over to another frontend are its
     * own now and stay open; sockets only promised to one by a {@link #bind} in progress are given
     * back.
     */
    public void close() {
        processLimit.leave(this);
        listeners.close();
    }
}
