package org.tandemlb.core.health;

import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.HealthCheckConfig;
import org.tandemlb.core.tls.UpstreamTls;
import org.tandemlb.core.transport.Transport;

/**
 * The production {@link CheckFactory}: each server's checks run on one of the load balancer's
 * worker event loops (assigned round-robin), and probe it over real connections made with the
 * transport's channel class. The {@code tcp}, {@code http} and {@code grpc} checks of a backend with
 * {@code tls} connect with its TLS side ({@link org.tandemlb.core.backend.Backend#tls()}).
 */
public final class NettyChecks implements CheckFactory {
    private final EventLoopGroup loops;
    private final Transport transport;
    private final LongSupplier ticker;
    private final InetAddress source;

    /**
     * @param loops     the event loops to run checks on (the load balancer's workers)
     * @param transport the transport of those loops
     * @param ticker    the time source, in nanoseconds
     * @param source    the local address checks connect from, or null for the system's choice
     */
    public NettyChecks(EventLoopGroup loops, Transport transport, LongSupplier ticker, InetAddress source) {
        this.loops = Objects.requireNonNull(loops, "loops");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.source = source;
    }

    @Override
    public CheckScheduler scheduler() {
        return new EventLoopScheduler(loops.next(), ticker);
    }

    @Override
    public Check check(Server server, HealthCheckConfig config, CheckScheduler scheduler) {
        if (!(scheduler instanceof EventLoopScheduler els)) {
            throw new IllegalArgumentException("Netty checks run on an EventLoopScheduler, not " + scheduler);
        }
        if (server.address().isUnresolved()) {
            return new Unresolvable(
                    config.type().configName(), server.config().address().toString());
        }
        Connector plain =
                new Connector(els.loop(), transport, server.address(), config.timeout(), source, config.sendProxy());
        // The backend's TLS side for the checks that speak to the server as live traffic does;
        // MySQL starts its TLS inside its own protocol, so the mysql check stays plain.
        UpstreamTls tls = server.backend().tls();
        Connector connector = tls == null
                ? plain
                : new Connector(
                        els.loop(),
                        transport,
                        server.address(),
                        config.timeout(),
                        source,
                        config.sendProxy(),
                        tls,
                        server.config().address());
        return switch (config.type()) {
            case TCP -> new TcpCheck(connector);
            case HTTP ->
                new HttpCheck(
                        connector,
                        config,
                        config.host() != null
                                ? config.host()
                                : server.config().address().toString());
            case MYSQL -> new MysqlCheck(plain, config.user(), config.timeout());
            case GRPC ->
                new GrpcCheck(
                        connector, config.service(), server.config().address().toString());
        };
    }

    /** The check of a server whose name did not resolve: fails at once, without touching the network. */
    private record Unresolvable(String type, String address) implements Check {
        @Override
        public CheckScheduler.Cancellable start(Consumer<Outcome> done) {
            done.accept(Outcome.failed(address + " does not resolve"));
            return () -> {};
        }
    }
}
