package org.tandemlb.core.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.internal.tcnative.SSL;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.config.TlsConfig;

/**
 * A frontend's TLS at run time: an {@link SslContext} per certificate, the choice among them by
 * the client's server name (SNI), ALPN, and the handlers of an accepted connection.
 *
 * <p>Built by {@link #build} on the thread that loads or applies the configuration, never on an
 * event loop: it reads the certificate files. A rebuild at a reload reuses the contexts of
 * certificates whose files have the same contents (so their session caches live on) and makes
 * new ones for the others; connections keep the context they started with.
 */
public final class ServerTls {
    private static final Logger log = LoggerFactory.getLogger(ServerTls.class);

    /** TLS 1.3's suites, which are always enabled (RFC 8446 §9.1 makes the first mandatory). */
    private static final List<String> TLS13_CIPHERS =
            List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");

    private final TlsConfig config;
    private final TlsProvider provider;
    private final List<TlsCertificate> certificates;
    private final List<SslContext> contexts;
    private final Mapping<String, SslContext> mapping;
    /** The OCSP response to staple with each context that has one. */
    private final Map<SslContext, byte[]> ocsp = new IdentityHashMap<>();

    private ServerTls(
            TlsConfig config, TlsProvider provider, List<TlsCertificate> certificates, List<SslContext> contexts) {
        this.config = config;
        this.provider = provider;
        this.certificates = List.copyOf(certificates);
        this.contexts = List.copyOf(contexts);
        DomainWildcardMappingBuilder<SslContext> names = new DomainWildcardMappingBuilder<>(contexts.get(0));
        Set<String> taken = new HashSet<>();
        for (int i = 0; i < certificates.size(); i++) {
            for (String name : certificates.get(i).names()) {
                // The first certificate with a name serves it.
                if (taken.add(name)) {
                    names.add(name, contexts.get(i));
                }
            }
            if (certificates.get(i).ocspResponse() != null && provider == TlsProvider.OPENSSL) {
                ocsp.put(contexts.get(i), certificates.get(i).ocspResponse());
            }
        }
        this.mapping = names.build();
    }

    /**
     * Reads the certificates of {@code config} and makes their contexts.
     *
     * @param frontend the frontend's name, for the log
     * @param config   the frontend's {@code tls}
     * @param alpn     whether the frontend negotiates its application protocol by ALPN ({@code http}
     *                 mode); a {@code tcp} frontend does not, its servers get the decrypted bytes
     *                 whatever they are, so offering {@code h2} would promise what they may not speak
     * @param provider the TLS implementation
     * @param tickets  the session-ticket keys (used by the {@code openssl} provider)
     * @param previous the frontend's TLS before a reload, whose unchanged contexts are kept; or null
     * @throws TlsFileException when a file cannot be read or used
     * @throws IllegalArgumentException when the provider does not support a setting (a cipher)
     */
    public static ServerTls build(
            String frontend,
            TlsConfig config,
            boolean alpn,
            TlsProvider provider,
            TicketKeys tickets,
            ServerTls previous) {
        Objects.requireNonNull(config, "config");
        List<TlsCertificate> certs = new ArrayList<>();
        List<SslContext> contexts = new ArrayList<>();
        boolean sameSettings = previous != null
                && previous.provider == provider
                && previous.config.protocols().equals(config.protocols())
                && previous.config.ciphers().equals(config.ciphers())
                && previous.config.alpn().equals(config.alpn())
                && previous.config.sessionTickets() == config.sessionTickets()
                && previous.config.sessionCache() == config.sessionCache();
        for (int i = 0; i < config.certificates().size(); i++) {
            TlsCertificate cert = TlsCertificate.load(config.certificates().get(i), i);
            SslContext reused = sameSettings ? previous.contextOf(cert) : null;
            contexts.add(reused != null ? reused : context(config, alpn, provider, cert, i, tickets));
            certs.add(cert);
            if (reused == null) {
                log.info(
                        "frontend {}: certificate {} for {} (expires {}) loaded",
                        frontend,
                        cert.source().cert(),
                        cert.names(),
                        cert.notAfter());
            }
        }
        if (provider == TlsProvider.JDK && certs.stream().anyMatch(c -> c.ocspResponse() != null)) {
            log.warn(
                    "frontend {}: OCSP stapling needs the openssl provider; the jdk provider does not staple",
                    frontend);
        }
        if (provider == TlsProvider.JDK && !(config.sessionTickets() && config.sessionCache())) {
            log.warn(
                    "frontend {}: the jdk TLS provider keeps one session cache and one ticket setting for the "
                            + "whole JVM: tls.session_tickets and tls.session_cache work with the openssl provider; "
                            + "with jdk, -Djdk.tls.server.enableSessionTicketExtension=false in TANDEM_JAVA_OPTS "
                            + "turns tickets off for every frontend",
                    frontend);
        }
        return new ServerTls(config, provider, certs, contexts);
    }

    /** The context of a previous certificate read from the same files with the same contents, or null. */
    SslContext contextOf(TlsCertificate cert) {
        for (int i = 0; i < certificates.size(); i++) {
            if (certificates.get(i).sameFiles(cert)) {
                return contexts.get(i);
            }
        }
        return null;
    }

    private static SslContext context(
            TlsConfig config, boolean alpn, TlsProvider provider, TlsCertificate cert, int index, TicketKeys tickets) {
        List<String> ciphers = new ArrayList<>(config.ciphers());
        if (config.protocols().contains("TLSv1.3")) {
            ciphers.addAll(TLS13_CIPHERS);
        }
        SslContext ctx;
        try {
            SslContextBuilder b = SslContextBuilder.forServer(cert.key(), cert.chain())
                    .sslProvider(provider.netty())
                    .protocols(config.protocols())
                    .ciphers(ciphers, IdentityCipherSuiteFilter.INSTANCE);
            if (alpn) {
                b.applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        // A client that offers none of ours goes on with HTTP/1.1, as HAProxy does.
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        config.alpn()));
            }
            if (provider == TlsProvider.OPENSSL && cert.ocspResponse() != null) {
                b.enableOcsp(true);
            }
            ctx = b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new TlsFileException(
                    index,
                    "cert",
                    cert.source().cert(),
                    cert.source().cert()
                            + ": the " + provider.configName() + " TLS provider cannot use it with these settings: "
                            + e.getMessage(),
                    e);
        }
        if (config.protocols().contains("TLSv1.2")) {
            checkCiphers(ctx, config, provider); // tls.ciphers are TLS 1.2's: unused without it
        }
        if (provider == TlsProvider.OPENSSL) {
            OpenSslSessionContext sessions = (OpenSslSessionContext) ctx.sessionContext();
            // Netty's contexts start with SSL_OP_NO_TICKET: tickets are on once keys are set.
            if (config.sessionTickets()) {
                sessions.setTicketKeys(tickets.keys(tickets.currentPeriod()));
            }
            sessions.setSessionCacheEnabled(config.sessionCache());
        }
        return ctx;
    }

    /**
     * Refuses a configured cipher the provider does not have: left to itself, the JDK fails every
     * handshake for it and BoringSSL leaves it out silently. An engine shows what is enabled.
     */
    private static void checkCiphers(SslContext ctx, TlsConfig config, TlsProvider provider) {
        SSLEngine engine;
        try {
            engine = ctx.newEngine(ByteBufAllocator.DEFAULT);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "the " + provider.configName() + " TLS provider refuses tls.ciphers: " + e.getMessage(), e);
        }
        try {
            List<String> enabled = List.of(engine.getEnabledCipherSuites());
            for (String c : config.ciphers()) {
                if (!enabled.contains(c)) {
                    throw new IllegalArgumentException(
                            "cipher " + c + " is not supported by the " + provider.configName() + " TLS provider");
                }
            }
        } finally {
            ReferenceCountUtil.release(engine);
        }
    }

    /**
     * Installs the session-ticket keys of a new period (the {@code openssl} provider, when
     * {@code session_tickets} is on; the JDK keeps its own). A call into BoringSSL, no I/O: may
     * run on an event loop.
     */
    public void rotateTicketKeys(OpenSslSessionTicketKey[] keys) {
        if (provider == TlsProvider.OPENSSL && config.sessionTickets()) {
            for (SslContext ctx : contexts) {
                ((OpenSslSessionContext) ctx.sessionContext()).setTicketKeys(keys);
            }
        }
    }

    /** The configuration it was built from. */
    public TlsConfig config() {
        return config;
    }

    /** The TLS implementation. */
    public TlsProvider provider() {
        return provider;
    }

    /** The certificates, the default one first. */
    public List<TlsCertificate> certificates() {
        return certificates;
    }

    /** What to do once the handshake chose an application protocol. */
    @FunctionalInterface
    public interface ProtocolPipeline {
        /**
         * Sets up the rest of the pipeline for {@code protocol} (one of {@code tls.alpn},
         * {@code http/1.1} when the client did not use ALPN). Runs on the connection's event loop.
         */
        void init(ChannelPipeline pipeline, String protocol);
    }

    /**
     * Puts TLS in front of an accepted connection: the SNI handler (which becomes the
     * {@link SslHandler} of the certificate the client asked for), the handshake counter, and
     * then either the application protocol's handlers once ALPN chose it ({@code next}), or, with
     * {@code next} null, nothing (the caller adds its handlers after these, as for a TCP relay).
     *
     * @param p                the new connection's pipeline
     * @param stats            the frontend's handshake counts
     * @param handshakeTimeout time for the whole handshake, from the connection's start
     * @param next             sets up the application protocol, or null
     */
    public void initPipeline(
            ChannelPipeline p, HandshakeStats stats, Duration handshakeTimeout, ProtocolPipeline next) {
        long timeout = handshakeTimeout.toMillis();
        p.addLast("tls", new Sni(mapping, timeout, ocsp, config.sessionTickets()));
        p.addLast("tls-stats", stats.observer());
        if (next != null) {
            p.addLast("alpn", new Alpn(next));
        }
    }

    /** Netty's SNI handler, with the handshake timeout on its SslHandler and the OCSP response on its engine. */
    private static final class Sni extends SniHandler {
        /**
         * The largest ClientHello buffered while looking for its server name: a few hundred bytes
         * usually, about 2 KiB with a post-quantum key share; without a bound a client could make
         * each connection hold up to 16 MiB (TLS's handshake length field).
         */
        private static final int MAX_CLIENT_HELLO = 64 * 1024;

        private final Map<SslContext, byte[]> ocsp;
        private final boolean tickets;

        Sni(Mapping<String, SslContext> mapping, long timeoutMillis, Map<SslContext, byte[]> ocsp, boolean tickets) {
            super(mapping, MAX_CLIENT_HELLO, timeoutMillis);
            this.ocsp = ocsp;
            this.tickets = tickets;
        }

        @Override
        protected SslHandler newSslHandler(SslContext context, ByteBufAllocator allocator) {
            SslHandler h = super.newSslHandler(context, allocator);
            h.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
            byte[] response = ocsp.get(context);
            if (h.engine() instanceof ReferenceCountedOpenSslEngine e) {
                if (response != null) {
                    e.setOcspResponse(response);
                }
                if (!tickets) {
                    // Netty clears SSL_OP_NO_TICKET on each engine that may speak TLS 1.3 (unless
                    // a JVM-wide property says otherwise), which lets TLS 1.2 tickets through too.
                    SSL.setOptions(e.sslPointer(), SSL.SSL_OP_NO_TICKET);
                }
            }
            return h;
        }
    }

    /** Hands the connection to the protocol ALPN chose; quiet about clients that fail the handshake (counted already). */
    private static final class Alpn extends ApplicationProtocolNegotiationHandler {
        private final ProtocolPipeline next;

        Alpn(ProtocolPipeline next) {
            super("http/1.1");
            this.next = next;
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            next.init(ctx.pipeline(), protocol);
        }

        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("{}: TLS handshake failed: {}", ctx.channel(), cause.toString());
            ctx.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("{}: TLS error: {}", ctx.channel(), cause.toString());
            ctx.close();
        }
    }
}
