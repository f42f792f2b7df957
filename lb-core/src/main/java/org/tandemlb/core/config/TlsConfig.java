package org.tandemlb.core.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * TLS termination on a frontend. The defaults are Mozilla's "intermediate" profile without its
 * DHE suites: TLS 1.2 and 1.3 only, and for TLS 1.2 only ECDHE key exchange with AES-GCM or
 * ChaCha20-Poly1305.
 *
 * @param certificates one or more certificates; the client's server name (SNI) picks one by the
 *                     names in it, the first one is served when the client sends no name or one
 *                     that no certificate has
 * @param protocols    {@code TLSv1.2} and/or {@code TLSv1.3} (default both); older versions are
 *                     refused (RFC 8996 deprecates TLS 1.0 and 1.1)
 * @param ciphers      the TLS 1.2 cipher suites by their IANA names, in order of preference
 *                     (default {@link #DEFAULT_CIPHERS}); TLS 1.3's suites are always AEAD and are
 *                     not configurable
 * @param alpn         the application protocols offered by ALPN, in order of preference (default
 *                     {@link #DEFAULT_ALPN})
 * @param sessionTickets whether clients may resume sessions by tickets (RFC 5077, TLS 1.3's PSK
 *                     tickets), with keys rotated and shared by the cluster's nodes (default on;
 *                     HAProxy's {@code no-tls-tickets} and Nginx's {@code ssl_session_tickets off}
 *                     turn it off)
 * @param sessionCache whether the server keeps TLS 1.2 sessions in memory for resumption by
 *                     session id (default on; HAProxy's {@code tune.ssl.cachesize 0} and Nginx's
 *                     {@code ssl_session_cache off} turn it off)
 */
public record TlsConfig(
        List<Certificate> certificates,
        List<String> protocols,
        List<String> ciphers,
        List<String> alpn,
        boolean sessionTickets,
        boolean sessionCache) {

    /** The protocol versions enabled by default. */
    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** The TLS 1.2 suites enabled by default (Mozilla "intermediate", ECDHE only). */
    public static final List<String> DEFAULT_CIPHERS = List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /**
     * The application protocols a TLS frontend can speak, in order of preference: the one place
     * that says so.
     */
    public static final List<String> DEFAULT_ALPN = List.of("h2", "http/1.1");

    private static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");
    private static final Set<String> OBSOLETE = Set.of("SSLv2", "SSLv3", "TLSv1", "TLSv1.0", "TLSv1.1");

    /** The defaults but for the certificates, the protocols, ciphers and ALPN protocols given (null: default). */
    public TlsConfig(List<Certificate> certificates, List<String> protocols, List<String> ciphers, List<String> alpn) {
        this(certificates, protocols, ciphers, alpn, true, true);
    }

    public TlsConfig {
        certificates = List.copyOf(certificates);
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("tls needs at least one certificate");
        }
        protocols = protocols == null ? DEFAULT_PROTOCOLS : List.copyOf(protocols);
        for (String p : protocols) {
            checkProtocol(p);
        }
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("tls.protocols needs at least one of TLSv1.2, TLSv1.3");
        }
        ciphers = ciphers == null ? DEFAULT_CIPHERS : List.copyOf(ciphers);
        for (String c : ciphers) {
            if (!c.matches("TLS_[A-Z0-9_]+")) {
                throw new IllegalArgumentException("cipher '" + c + "' is not an IANA cipher suite name "
                        + "(like TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)");
            }
        }
        if (ciphers.isEmpty() && protocols.contains("TLSv1.2")) {
            throw new IllegalArgumentException("tls.ciphers is empty but TLSv1.2 is enabled");
        }
        alpn = alpn == null ? DEFAULT_ALPN : List.copyOf(alpn);
        for (String a : alpn) {
            if (!DEFAULT_ALPN.contains(a)) {
                throw new IllegalArgumentException(
                        "ALPN protocol '" + a + "' is not supported; supported: " + String.join(", ", DEFAULT_ALPN));
            }
        }
        if (alpn.isEmpty()) {
            throw new IllegalArgumentException("tls.alpn needs at least one protocol");
        }
    }

    /**
     * Checks a protocol version name: {@code TLSv1.2} or {@code TLSv1.3}.
     *
     * @throws IllegalArgumentException saying why another one is refused
     */
    public static void checkProtocol(String p) {
        if (PROTOCOLS.contains(p)) {
            return;
        }
        String norm = p.replace(" ", "").toUpperCase(Locale.ROOT);
        for (String o : OBSOLETE) {
            if (o.toUpperCase(Locale.ROOT).equals(norm)) {
                throw new IllegalArgumentException(p + " is refused: SSL and TLS 1.0/1.1 are broken or deprecated "
                        + "(RFC 8996); use TLSv1.2 and TLSv1.3");
            }
        }
        throw new IllegalArgumentException("unknown TLS protocol '" + p + "'; use TLSv1.2 and/or TLSv1.3");
    }

    /**
     * One certificate and its key.
     *
     * @param cert the PEM file of the certificate followed by its intermediate CA certificates
     * @param key  the PEM file of its private key (RSA or ECDSA; PKCS#8 or traditional), unencrypted
     * @param ocsp a DER OCSP response to staple (the {@code openssl} provider only), or null
     */
    public record Certificate(Path cert, Path key, Path ocsp) {
        public Certificate {
            Objects.requireNonNull(cert, "cert");
            Objects.requireNonNull(key, "key");
        }
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link TlsConfig}. */
    public static final class Builder {
        private final List<Certificate> certificates = new ArrayList<>();
        private List<String> protocols;
        private List<String> ciphers;
        private List<String> alpn;
        private boolean sessionTickets = true;
        private boolean sessionCache = true;

        private Builder() {}

        /** Adds a certificate (the first one added is the default). */
        public Builder certificate(Path cert, Path key) {
            return certificate(new Certificate(cert, key, null));
        }

        /** Adds a certificate (the first one added is the default). */
        public Builder certificate(Certificate c) {
            certificates.add(Objects.requireNonNull(c));
            return this;
        }

        /** The protocol versions (default {@link #DEFAULT_PROTOCOLS}). */
        public Builder protocols(List<String> p) {
            protocols = p;
            return this;
        }

        /** The TLS 1.2 cipher suites (default {@link #DEFAULT_CIPHERS}). */
        public Builder ciphers(List<String> c) {
            ciphers = c;
            return this;
        }

        /** The ALPN protocols (default {@link #DEFAULT_ALPN}). */
        public Builder alpn(List<String> a) {
            alpn = a;
            return this;
        }

        /** Whether sessions resume by tickets (default true). */
        public Builder sessionTickets(boolean on) {
            sessionTickets = on;
            return this;
        }

        /** Whether TLS 1.2 sessions resume by session id from the server's cache (default true). */
        public Builder sessionCache(boolean on) {
            sessionCache = on;
            return this;
        }

        public TlsConfig build() {
            return new TlsConfig(certificates, protocols, ciphers, alpn, sessionTickets, sessionCache);
        }
    }
}
