package org.tandemlb.core;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Balance;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.HostPort;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.PassiveCheckConfig;
import org.tandemlb.core.config.RouteConfig;
import org.tandemlb.core.config.SendProxy;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.config.ServerProtocol;
import org.tandemlb.core.config.TlsConfig;
import org.tandemlb.core.tls.TlsCertificate;
import org.tandemlb.core.tls.TlsProvider;
import org.tandemlb.core.transport.Transport;
import org.tandemlb.core.warmup.Client;
import org.tandemlb.core.warmup.Http1Client;
import org.tandemlb.core.warmup.Http2Client;
import org.tandemlb.core.warmup.PinnedTrust;
import org.tandemlb.core.warmup.StubServer;

/**
 * Runs synthetic requests through a private copy of a configuration's frontends before the real
 * ones take traffic, so that a node's first clients, and above all those of a standby just
 * elected, do not pay for class loading and interpreted code: on a cold JVM the first proxied
 * HTTPS request takes several times as long as the next ones.
 *
 * <p>The copy listens on 127.0.0.1 with ephemeral ports, every backend's servers are replaced by
 * one in-process stub server that answers {@code 200}, health checks, TLS to servers and PROXY
 * headers to servers are off, and nothing is published: no access log, no metrics of the real
 * registry, no request to a real server. Each frontend gets {@code GET} and small {@code POST}
 * requests over HTTP/1.1, and HTTP/2 where TLS offers it, on new and reused connections; the
 * whole run stops at a request count or a time budget, whichever comes first. A failed
 * request is counted, never thrown: a warm-up cannot fail a start.
 *
 * <p>Blocks the calling thread (not an event loop) for at most about the budget.
 */
public final class Warmup {

    private static final Logger log = LoggerFactory.getLogger(Warmup.class);

    /**
     * The name of the warm-up's thread, and the start of its event loop's: a logging configuration
     * can tell the private copy's lines (its frontends listening on ephemeral ports) apart.
     */
    public static final String THREAD_NAME = "tandem-warmup";

    /** The most frontends the private copy holds (one of each {@link Kind}). */
    static final int MAX_FRONTENDS = 16;

    /** Requests per connection before a new one (so accepting and handshaking are warmed too). */
    private static final int REQUESTS_PER_CONNECTION = 20;

    private final LoadBalancerConfig config;
    private Transport transport = Transport.best();
    private TlsProvider tlsProvider;
    private int requestsPerFrontend = 60;
    private Duration budget = Duration.ofSeconds(2);
    private LongSupplier ticker = System::nanoTime;

    private Warmup(LoadBalancerConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** A warm-up of {@code config}'s frontends (their TLS certificates are read again). */
    public static Warmup of(LoadBalancerConfig config) {
        return new Warmup(config);
    }

    /** The transport, the same as the real load balancer's (default: {@link Transport#best()}). */
    public Warmup transport(Transport t) {
        transport = Objects.requireNonNull(t, "transport");
        return this;
    }

    /** The TLS provider, the same as the real load balancer's (default: its default). */
    public Warmup tlsProvider(TlsProvider provider) {
        tlsProvider = provider;
        return this;
    }

    /**
     * Requests per frontend and protocol (default 60: the first few load the classes, which is most
     * of the gain; more would lengthen every start), in rounds of one connection each.
     */
    public Warmup requestsPerFrontend(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("requests per frontend must be positive");
        }
        requestsPerFrontend = n;
        return this;
    }

    /**
     * The longest the requests may take once the private copy listens (default 2 s); none is
     * sent past it.
     */
    public Warmup budget(Duration d) {
        budget = Objects.requireNonNull(d, "budget");
        return this;
    }

    /** The time source of the budget, in nanoseconds (default {@link System#nanoTime()}). */
    public Warmup ticker(LongSupplier nanoTicker) {
        ticker = Objects.requireNonNull(nanoTicker, "ticker");
        return this;
    }

    /**
     * What a run did.
     *
     * @param requests the requests sent
     * @param proxied  those the stub server answered through the copy ({@code 200}); the others
     *                 were answered by the copy itself (a redirect, a denial) or not at all
     * @param failed   those without a response (any status is a response)
     * @param took     how long the run took, start and stop of the private copy included
     */
    public record Result(int requests, int proxied, int failed, Duration took) {}

    /**
     * Runs the warm-up on a thread of its own named {@value #THREAD_NAME} (its event loop's
     * threads start so too) and waits for it; see the class comment. An interrupt stops the wait
     * and is kept; the warm-up then ends within its budget on its own.
     */
    public Result run() {
        Result[] result = {new Result(0, 0, 0, Duration.ZERO)};
        Thread thread = new Thread(() -> result[0] = warmUp(), THREAD_NAME);
        thread.setDaemon(true);
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return result[0];
    }

    private Result warmUp() {
        long start = ticker.getAsLong();
        EventLoopGroup group = transport.newGroup(1, THREAD_NAME);
        Tally tally = new Tally();
        try (StubServer stub = StubServer.start(transport, group)) {
            LoadBalancerConfig copy = privateCopy(config, stub.address());
            List<X509Certificate> served = servedCertificates(copy);
            SSLContext trust = PinnedTrust.context(served);
            SslContext h2 = served.isEmpty() ? null : Http2Client.tls(served);
            LoadBalancer.Builder builder = LoadBalancer.builder(copy)
                    .transport(transport)
                    .eventLoops(group, group)
                    .meterRegistry(new SimpleMeterRegistry());
            if (tlsProvider != null) {
                builder.tlsProvider(tlsProvider);
            }
            try (LoadBalancer lb = builder.build()) {
                lb.start();
                // The budget counts from here: what came before (the TLS provider, the
                // certificates) is work the real start needs anyway.
                long deadline = ticker.getAsLong() + budget.toNanos();
                List<Connector> targets = new ArrayList<>();
                for (FrontendConfig f : copy.frontends()) {
                    InetSocketAddress address = lb.address(f.name());
                    targets.add(timeoutMs -> Http1Client.connect(address, f.tls() == null ? null : trust, timeoutMs));
                    if (f.tls() != null
                            && f.mode() == Mode.HTTP
                            && f.tls().alpn().contains("h2")) {
                        targets.add(timeoutMs -> Http2Client.connect(transport, group, address, h2, timeoutMs));
                    }
                }
                // A connection's worth to each in turn, so that a short budget still reaches all.
                for (int sent = 0;
                        sent < requestsPerFrontend && ticker.getAsLong() - deadline < 0;
                        sent += REQUESTS_PER_CONNECTION) {
                    for (Connector target : targets) {
                        send(target, Math.min(REQUESTS_PER_CONNECTION, requestsPerFrontend - sent), deadline, tally);
                    }
                }
                lb.stop(Duration.ZERO); // the client closed every connection: nothing to drain
            }
        } catch (RuntimeException e) {
            log.warn("warm-up stopped early: {}", e.toString());
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        }
        return new Result(tally.requests, tally.proxied, tally.failed, Duration.ofNanos(ticker.getAsLong() - start));
    }

    /**
     * Sends {@code count} requests on one connection from {@code connect} (another one when the
     * server closes it), every fourth a small {@code POST}, until the deadline.
     */
    private void send(Connector connect, int count, long deadline, Tally tally) {
        Client client = null;
        try {
            for (int i = 0; i < count; i++) {
                long left = deadline - ticker.getAsLong();
                if (left <= 0) {
                    break;
                }
                // The client waits as long as the budget has left: the first requests of a cold
                // JVM on a busy machine can take a second or more, and they are the ones to wait for.
                int waitMs = (int) Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), Integer.MAX_VALUE));
                if (client == null || !client.isOpen()) {
                    close(client);
                    client = null;
                    client = connect.connect(waitMs);
                }
                tally.requests++;
                byte[] body = i % 4 == 3 ? ("warm-up=" + i).getBytes(StandardCharsets.US_ASCII) : null;
                try {
                    if (client.exchange("/", body, waitMs) == 200) {
                        tally.proxied++;
                    }
                } catch (IOException e) {
                    tally.failed++;
                    close(client);
                    client = null;
                }
            }
        } catch (IOException e) {
            tally.failed++; // no connection: this target is done for the round
        } finally {
            close(client);
        }
    }

    private static void close(Client client) {
        if (client != null) {
            try {
                client.close();
            } catch (IOException e) {
                // closing a socket of the warm-up: nothing to do about it
            }
        }
    }

    /** Opens a warm-up client's connection. */
    private interface Connector {
        Client connect(int timeoutMs) throws IOException;
    }

    /** The leaf certificates the frontends serve: all the warm-up's client trusts. */
    private static List<X509Certificate> servedCertificates(LoadBalancerConfig config) {
        List<X509Certificate> served = new ArrayList<>();
        for (FrontendConfig f : config.frontends()) {
            if (f.tls() != null) {
                List<TlsConfig.Certificate> certificates = f.tls().certificates();
                for (int i = 0; i < certificates.size(); i++) {
                    served.add(
                            TlsCertificate.load(certificates.get(i), i).chain().get(0));
                }
            }
        }
        return served;
    }

    /**
     * {@code config} on 127.0.0.1 with ephemeral ports, every server replaced by the stub and
     * everything that would reach outside the process off; of frontends of the same {@link Kind}
     * only the first, and at most {@value #MAX_FRONTENDS} frontends, with the backends they name.
     */
    static LoadBalancerConfig privateCopy(LoadBalancerConfig config, InetSocketAddress stub) {
        Map<String, BackendConfig> backendsByName = new HashMap<>();
        for (BackendConfig b : config.backends()) {
            backendsByName.put(b.name(), b);
        }
        Set<Kind> kinds = new HashSet<>();
        Set<String> named = new HashSet<>();
        List<FrontendConfig> frontends = new ArrayList<>();
        for (FrontendConfig f : config.frontends()) {
            if (frontends.size() == MAX_FRONTENDS || !kinds.add(Kind.of(f, backendsByName.get(f.defaultBackend())))) {
                continue;
            }
            if (f.defaultBackend() != null) {
                named.add(f.defaultBackend());
            }
            for (RouteConfig r : f.routes()) {
                if (r.backend() != null) {
                    named.add(r.backend());
                }
            }
            frontends.add(new FrontendConfig(
                    f.name(),
                    f.mode(),
                    List.of(new HostPort("127.0.0.1", 0)),
                    f.maxConnections(),
                    f.defaultBackend(),
                    f.routes(),
                    f.timeouts(),
                    false, // the client sends no PROXY header
                    f.redirectHttps(),
                    f.redirectHttpsPort(),
                    f.hsts(),
                    f.http2(),
                    f.tls(),
                    f.limits(),
                    f.rules()));
        }
        ServerConfig server = new ServerConfig(
                "warmup", new HostPort(stub.getAddress().getHostAddress(), stub.getPort()), 1, false, 0);
        List<BackendConfig> backends = new ArrayList<>();
        for (BackendConfig b : config.backends()) {
            if (!named.contains(b.name())) {
                continue;
            }
            backends.add(new BackendConfig(
                    b.name(),
                    b.mode(),
                    b.balance(),
                    b.hash(),
                    List.of(server),
                    b.timeouts(),
                    b.retries(),
                    null, // no health check
                    PassiveCheckConfig.OFF,
                    null,
                    SendProxy.NONE,
                    null, // the stub speaks plain HTTP
                    b.persistence(),
                    b.rules(),
                    ServerProtocol.HTTP1)); // the stub speaks HTTP/1.1 only
        }
        return new LoadBalancerConfig(frontends, backends, 0);
    }

    /**
     * What decides the code a frontend's requests run through: two frontends of one kind warm the
     * same classes and methods, so the copy needs only one of them. A configuration of a thousand
     * frontends made alike (one per site) would otherwise start a copy of all of them, which took
     * longer than the real start.
     */
    record Kind(
            Mode mode,
            boolean tls,
            boolean h2,
            boolean h2c,
            boolean redirect,
            boolean routes,
            boolean rules,
            Balance balance,
            boolean persistence,
            boolean backendRules) {

        static Kind of(FrontendConfig f, BackendConfig backend) {
            return new Kind(
                    f.mode(),
                    f.tls() != null,
                    f.tls() != null && f.tls().alpn().contains("h2"),
                    f.http2() != null && f.http2().h2c(),
                    f.redirectHttps(),
                    !f.routes().isEmpty(),
                    f.rules() != null && !f.rules().isEmpty(),
                    backend == null ? null : backend.balance(),
                    backend != null && backend.persistence() != null,
                    backend != null
                            && backend.rules() != null
                            && !backend.rules().isEmpty());
        }
    }

    /** Counts of one run; written by the calling thread only. */
    private static final class Tally {
        int requests;
        int proxied;
        int failed;
    }
}
