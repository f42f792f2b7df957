package org.tandemlb.core.tls;

import io.netty.channel.EventLoopGroup;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
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
    /** TLS built ahead by {@link #prepare} for frontends that do not run yet, by name. */
    private Map<String, ServerTls> prepared = Map.of();

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
                ServerTls before = previous.apply(fc.name());
                ServerTls ahead = before == null ? prepared.get(fc.name()) : null;
                ServerTls built = build(fc, before != null ? before : ahead);
                if (ahead != null) {
                    // Contexts prepared a while ago hold the ticket keys of their time, and the
                    // rotation only reaches the frontends in force.
                    built.rotateTicketKeys(ticketKeys.keys(ticketKeys.currentPeriod()));
                }
                out.put(fc.name(), built);
            }
        }
        return out;
    }

    /**
     * Builds ahead the TLS of {@code frontends} (those that have {@code tls}), so that the {@link
     * #build} that later starts one of them lends the contexts of its unchanged certificates
     * instead of loading the provider and building them then: a cluster standby prepares the
     * frontends of the VIPs it may take over. Replaces what an earlier call prepared.
     *
     * @throws IllegalArgumentException naming the frontend and the file at fault
     */
    public void prepare(List<FrontendConfig> frontends) {
        Map<String, ServerTls> out = new LinkedHashMap<>();
        for (FrontendConfig fc : frontends) {
            if (fc.tls() != null) {
                out.put(fc.name(), build(fc, prepared.get(fc.name())));
            }
        }
        prepared = Map.copyOf(out);
    }

    private ServerTls build(FrontendConfig fc, ServerTls previous) {
        try {
            return ServerTls.build(fc.name(), fc.tls(), fc.mode() == Mode.HTTP, provider(), ticketKeys, previous);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("frontend " + fc.name() + ": tls: " + e.getMessage(), e);
        }
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
