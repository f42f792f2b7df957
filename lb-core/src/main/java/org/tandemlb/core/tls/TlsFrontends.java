package org.tandemlb.core.tls;

import io.netty.channel.EventLoopGroup;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;

/**
 * The TLS of a load balancer's frontends: the provider, chosen when a frontend first needs it (a
 * load balancer without TLS never loads BoringSSL), the session-ticket keys and their rotation.
 * Used by the load balancer's start and apply, which are serialized; never on an event loop.
 */
public final class TlsFrontends implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TlsFrontends.class);

    private final EventLoopGroup loops;
    private final TicketKeys ticketKeys;
    private final Supplier<? extends Collection<ServerTls>> inForce;
    /** The provider asked for, or null for the best available until first needed. */
    private TlsProvider provider;

    private boolean inUse;
    private TicketRotation rotation;

    /**
     * @param loops      where the ticket-key rotation runs
     * @param provider   the provider, or null for the best available
     * @param ticketKeys the session-ticket keys
     * @param inForce    the TLS of the frontends in force now (what a key rotation updates)
     */
    public TlsFrontends(
            EventLoopGroup loops,
            TlsProvider provider,
            TicketKeys ticketKeys,
            Supplier<? extends Collection<ServerTls>> inForce) {
        this.loops = loops;
        this.provider = provider;
        this.ticketKeys = ticketKeys;
        this.inForce = inForce;
    }

    /**
     * Builds the TLS of every frontend of {@code next} that has {@code tls}, on the caller's
     * thread (it reads files); a frontend's previous TLS lends the contexts of its unchanged
     * certificates.
     *
     * @param previous a frontend's TLS in force, by name (null for none)
     * @throws IllegalArgumentException naming the frontend and the file at fault
     */
    public Map<String, ServerTls> build(LoadBalancerConfig next, Function<String, ServerTls> previous) {
        Map<String, ServerTls> out = new LinkedHashMap<>();
        for (FrontendConfig fc : next.frontends()) {
            if (fc.tls() != null) {
                try {
                    out.put(
                            fc.name(),
                            ServerTls.build(
                                    fc.name(),
                                    fc.tls(),
                                    fc.mode() == Mode.HTTP,
                                    provider(),
                                    ticketKeys,
                                    previous.apply(fc.name())));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("frontend " + fc.name() + ": tls: " + e.getMessage(), e);
                }
            }
        }
        return out;
    }

    private TlsProvider provider() {
        if (!inUse) {
            inUse = true;
            if (provider == null) {
                provider = TlsProvider.choose(null);
            }
            log.info(
                    "TLS provider: {} (TANDEM_TLS=jdk|openssl chooses)",
                    provider.configName() + (provider == TlsProvider.OPENSSL ? " (BoringSSL)" : ""));
            if (provider == TlsProvider.OPENSSL) {
                // The JDK provider keeps ticket keys of its own.
                rotation = new TicketRotation(loops.next(), ticketKeys, inForce);
            }
        }
        return provider;
    }

    /** Stops the key rotation. */
    @Override
    public void close() {
        if (rotation != null) {
            rotation.close();
        }
    }
}
