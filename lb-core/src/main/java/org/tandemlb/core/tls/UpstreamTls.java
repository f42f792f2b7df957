package org.tandemlb.core.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.config.HostPort;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerProtocol;
import org.tandemlb.core.config.UpstreamTlsConfig;

/**
 * The TLS client side of one backend's connections to its servers, live traffic and health
 * checks alike: the {@link SslContext} of its {@link UpstreamTlsConfig}, built once per applied
 * configuration (off the event loops: it reads the {@code ca} file), and a new {@link SslHandler}
 * per connection, first in the connection's pipeline.
 *
 * <p>Verification: the certificate chain against the {@code ca} file or the JDK's default trust
 * store, and the name with the {@code HTTPS} endpoint identification of RFC 2818 / RFC 6125 (a
 * host name against the certificate's DNS names, an IP address against its IP addresses). The
 * name expected, and the one given to the engine as peer host (which makes it the SNI when it is
 * a host name), is {@link #expectedName}.
 *
 * <p>Handshake failures are told apart by the types of their causes, never by message text
 * ({@link #failureReason}), and logged as a warning once per run of failures of a server with the
 * same reason (the rest at debug level), so that a server with a wrong certificate under load
 * does not flood the log.
 *
 * <p>Thread-safe; the handlers it makes belong to their connection's event loop.
 */
public final class UpstreamTls {
    private static final Logger log = LoggerFactory.getLogger(UpstreamTls.class);

    private final String backend;
    private final Mode mode;
    private final ServerProtocol protocol;
    private final UpstreamTlsConfig config;
    private final SslProvider provider;
    /** The bytes of the {@code ca} file as read, or null when none was read. */
    private final byte[] caBytes;

    private final SslContext context;
    /** Per server name: the reason of the last handshake failure logged as a warning. */
    private final Map<String, String> warned = new ConcurrentHashMap<>();

    private UpstreamTls(
            String backend,
            Mode mode,
            ServerProtocol protocol,
            UpstreamTlsConfig config,
            SslProvider provider,
            byte[] caBytes,
            SslContext context) {
        this.backend = backend;
        this.mode = mode;
        this.protocol = protocol;
        this.config = config;
        this.provider = provider;
        this.caBytes = caBytes;
        this.context = context;
    }

    /**
     * The default TLS provider of connections to servers: the JDK's (it offers ALPN on every JDK
     * Tandem runs on). The one place to choose another, OpenSSL through netty-tcnative where it
     * loads and {@link SslProvider#isAlpnSupported} says it offers ALPN, so that frontends and
     * backends share one choice.
     */
    public static SslProvider provider() {
        return SslProvider.JDK;
    }

    /**
     * Builds the TLS client side of {@code backendName}, reading its {@code ca} file. Blocks on
     * file I/O: call it where configurations are applied, never on an event loop.
     *
     * @param provider the TLS implementation ({@link #provider()} by default)
     * @param previous the backend's TLS side so far, or null: returned as it is when neither the
     *                 configuration nor the {@code ca} file's content changed, so that
     *                 connections and checks made with it can be kept
     * @throws IllegalArgumentException with a message naming the backend and the file when the
     *                                  {@code ca} file cannot be read or holds no certificate
     */
    public static UpstreamTls create(
            String backendName,
            Mode mode,
            ServerProtocol protocol,
            UpstreamTlsConfig config,
            SslProvider provider,
            UpstreamTls previous) {
        Objects.requireNonNull(backendName, "backendName");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(config, "config");
        byte[] ca;
        List<X509Certificate> trusted;
        try {
            ca = config.verify() && config.ca() != null ? read(config.ca()) : null;
            trusted = ca == null ? null : certificates(config.ca(), ca);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("backend " + backendName + ": tls.ca: " + e.getMessage(), e);
        }
        if (previous != null
                && previous.mode == mode
                && previous.protocol == protocol
                && previous.provider == provider
                && previous.config.equals(config)
                && Arrays.equals(previous.caBytes, ca)) {
            return previous;
        }
        SslContextBuilder b = SslContextBuilder.forClient()
                .sslProvider(provider)
                // Modern TLS only, as on frontends; the JDK refuses older versions by default anyway.
                .protocols("TLSv1.3", "TLSv1.2");
        if (config.verify()) {
            if (trusted != null) {
                b.trustManager(trusted);
            }
            b.endpointIdentificationAlgorithm("HTTPS");
        } else {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        }
        List<String> alpn = config.alpnFor(mode, protocol);
        if (!alpn.isEmpty()) {
            // ACCEPT: a server without ALPN (or choosing none) is still spoken to in the backend's protocol.
            b.applicationProtocolConfig(new ApplicationProtocolConfig(
                    ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    alpn));
        }
        try {
            return new UpstreamTls(backendName, mode, protocol, config, provider, ca, b.build());
        } catch (SSLException e) {
            throw new IllegalArgumentException("backend " + backendName + ": tls: " + e.getMessage(), e);
        }
    }

    /**
     * Checks that {@code ca} can be read and holds at least one PEM certificate, as {@link #create}
     * will need it ({@code tandem check}).
     *
     * @throws IllegalArgumentException with a message naming the file otherwise
     */
    public static void checkCa(Path ca) {
        certificates(ca, read(ca));
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("cannot read " + file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException("cannot read " + file + ": permission denied");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
        }
    }

    private static List<X509Certificate> certificates(Path file, byte[] pem) {
        List<X509Certificate> out = new ArrayList<>();
        try {
            for (Certificate c :
                    CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem))) {
                out.add((X509Certificate) c);
            }
        } catch (CertificateException e) {
            // The JDK's parser refuses a file without certificate data (empty, or a key given by
            // mistake) as it refuses a damaged one: both are "no certificate" to the user.
            out.clear();
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no PEM certificate");
        }
        return out;
    }

    /** The configuration this was built from. */
    public UpstreamTlsConfig config() {
        return config;
    }

    /**
     * The name a server at {@code address} must prove, also sent as SNI when it is a host name:
     * {@code sni} when set, else the address's host.
     */
    public String expectedName(HostPort address) {
        return config.sni() != null ? config.sni() : address.host();
    }

    /**
     * A new TLS client handler for one connection to the server at {@code address} (as
     * configured, for its name and port), whose handshake fails after {@code handshakeTimeout}.
     */
    public SslHandler newHandler(ByteBufAllocator alloc, HostPort address, Duration handshakeTimeout) {
        SslHandler h = context.newHandler(alloc, expectedName(address), address.port());
        h.setHandshakeTimeoutMillis(Math.max(1, handshakeTimeout.toMillis()));
        return h;
    }

    /**
     * Why a handshake with the server at {@code address} failed, for people: {@code TLS
     * handshake failed: certificate does not match 127.0.0.1}, {@code TLS handshake timed out}.
     */
    public String failureReason(Throwable cause, HostPort address) {
        return HandshakeFailures.describe(cause, expectedName(address), config.ca());
    }

    /**
     * Logs a failed handshake of live traffic with {@code server} (whose {@code toString} is
     * {@code backend/server}): a warning the first time a reason comes up since the server's last
     * success, debug after.
     */
    public void logFailure(Object server, String reason) {
        String name = server.toString();
        if (!reason.equals(warned.put(name, reason))) {
            log.warn("server {}: {}", name, reason);
        } else {
            log.debug("server {}: {}", name, reason);
        }
    }

    /** A handshake with {@code server} succeeded: its next failure is worth a warning again. */
    public void succeeded(Object server) {
        if (!warned.isEmpty()) {
            warned.remove(server.toString());
        }
    }

    /** Logs once, when a backend's TLS side is new, that it does not verify its servers. */
    public void warnIfUnverified(UpstreamTls previous) {
        if (!config.verify() && (previous == null || previous.config.verify())) {
            log.warn("backend {}: tls.verify is false: the servers' certificates are not checked", backend);
        }
    }

    @Override
    public String toString() {
        return "TLS to the servers of backend " + backend;
    }
}
