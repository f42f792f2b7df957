package org.tandemlb.admin.demo;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.tandemlb.admin.config.AdminSettings;
import org.tandemlb.admin.config.TandemConfig;
import org.tandemlb.admin.daemon.Daemon;
import org.tandemlb.core.LoadBalancerException;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Balance;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.HealthCheckConfig;
import org.tandemlb.core.config.HostPort;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.config.TlsConfig;

/**
 * What {@code tandem demo} runs: two {@link DemoBackend}s on ports the system chooses, and a
 * {@link Daemon} whose frontend {@code demo} (http) balances them round-robin through backend
 * {@code demo}, its twin {@code demo-https} serving HTTPS with a throw-away self-signed
 * certificate for {@code localhost} made at start, with the admin API and status page on
 * 127.0.0.1:9000 when that port is free (a demo whose admin port is taken still runs: see
 * {@link #adminAddress()}). Everything lives in this process and stops with {@link #close()}.
 */
public final class Demo implements AutoCloseable {
    /** The frontend's and the backend's name. */
    public static final String NAME = "demo";
    /** The HTTPS frontend's name. */
    public static final String HTTPS_NAME = "demo-https";
    /** The admin port the demo uses unless told otherwise, as the README's quick start says. */
    public static final int ADMIN_PORT = 9000;
    /** The HTTPS port the demo uses unless told otherwise. */
    public static final int HTTPS_PORT = 8443;

    private final EventLoopGroup backendLoops;
    private final List<DemoBackend> backends;
    private final Daemon daemon;
    private final SelfSigned certificate;
    private boolean closed;

    private Demo(EventLoopGroup backendLoops, List<DemoBackend> backends, Daemon daemon, SelfSigned certificate) {
        this.backendLoops = backendLoops;
        this.backends = List.copyOf(backends);
        this.daemon = daemon;
        this.certificate = certificate;
    }

    /**
     * Starts the two backends and the load balancer in front of them on {@code host:port}
     * (port 0: any free port, see {@link #address()}), with the admin server on
     * 127.0.0.1:{@value #ADMIN_PORT} if it is free.
     *
     * @throws LoadBalancerException when the frontend cannot listen (the port is taken, most
     *                               likely); nothing is left running then
     */
    public static Demo start(String host, int port) {
        return start(host, port, ADMIN_PORT);
    }

    /**
     * As {@link #start(String, int)}, with the admin server on 127.0.0.1:{@code adminPort} (0: any
     * free port) if that can be bound.
     */
    public static Demo start(String host, int port, int adminPort) {
        return start(host, port, 0, adminPort);
    }

    /**
     * As {@link #start(String, int, int)}, with the HTTPS frontend on {@code host:httpsPort} (0:
     * any free port, see {@link #httpsAddress()}).
     */
    public static Demo start(String host, int port, int httpsPort, int adminPort) {
        SelfSigned certificate = SelfSigned.make();
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(
                1, new DefaultThreadFactory("tandem-demo", true), NioIoHandler.newFactory());
        List<DemoBackend> backends = new ArrayList<>();
        try {
            backends.add(DemoBackend.start(1, "127.0.0.1", loops));
            backends.add(DemoBackend.start(2, "127.0.0.1", loops));
            BackendConfig.Builder pool = BackendConfig.builder(NAME, Mode.HTTP)
                    .balance(Balance.ROUNDROBIN)
                    .healthCheck(HealthCheckConfig.builder(HealthCheckConfig.Type.HTTP)
                            .path("/health")
                            .build());
            for (DemoBackend b : backends) {
                pool.server(
                        ServerConfig.builder(NAME + b.number(), b.hostPort()).build());
            }
            LoadBalancerConfig lb = LoadBalancerConfig.builder()
                    .backend(pool.build())
                    .frontend(FrontendConfig.builder(NAME, Mode.HTTP)
                            .bind(new HostPort(host, port))
                            .defaultBackend(NAME)
                            .build())
                    .frontend(FrontendConfig.builder(HTTPS_NAME, Mode.HTTP)
                            .bind(new HostPort(host, httpsPort))
                            .defaultBackend(NAME)
                            .tls(TlsConfig.builder()
                                    .certificate(certificate.cert(), certificate.key())
                                    .build())
                            .build())
                    .build();
            // Two event loops are plenty for a demo and keep its footprint small.
            Daemon daemon = new Daemon(Map.of(), 2, Daemon.Admin.IF_FREE);
            AdminSettings admin = new AdminSettings(new HostPort("127.0.0.1", adminPort), "");
            daemon.start(new TandemConfig(NAME, admin, lb, Map.of(), null));
            return new Demo(loops, backends, daemon, certificate);
        } catch (RuntimeException e) {
            certificate.delete();
            backends.forEach(DemoBackend::close);
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
            throw e;
        }
    }

    /** The address the load balancer listens on. */
    public InetSocketAddress address() {
        return daemon.loadBalancer().address(NAME);
    }

    /** The address the HTTPS frontend listens on. */
    public InetSocketAddress httpsAddress() {
        return daemon.loadBalancer().address(HTTPS_NAME);
    }

    /** Where the admin API and status page listen; empty when the admin port was taken. */
    public Optional<InetSocketAddress> adminAddress() {
        return daemon.adminAddress();
    }

    /** The two demo backends, number 1 first. */
    public List<DemoBackend> backends() {
        return backends;
    }

    /** The daemon that runs the load balancer. */
    public Daemon daemon() {
        return daemon;
    }

    /**
     * Stops the load balancer gracefully, then the backends. Idempotent (the shutdown hook calls it
     * again after a signal has stopped the demo); a second caller returns once the first is done.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        daemon.stop();
        certificate.delete();
        backends.forEach(DemoBackend::close);
        backendLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
