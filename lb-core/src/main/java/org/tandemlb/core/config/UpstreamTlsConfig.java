package org.tandemlb.core.config;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * TLS on the connections to a backend's servers (live traffic and health checks), as a backend's
 * {@code tls} setting: the connection is a TLS client whose handshake must be done before it
 * counts as connected.
 *
 * <p>The name the server's certificate must carry, and the TLS server name (SNI) sent, is
 * {@code sni} when set, else the host of the server's address: a host name (sent as SNI too) or
 * an IP address (matched against the certificate's IP addresses; no SNI is sent, as SNI carries
 * host names only).
 *
 * @param verify whether the server's certificate is verified: its chain against {@code ca} (or
 *               the JDK's default trust store when {@code ca} is null) and its name as above
 * @param ca     a PEM file of the CA certificates to trust, or null for the JDK's default trust
 *               store; read when the configuration is applied; not used when {@code verify} is
 *               false
 * @param sni    the host name to send as SNI and to expect in the certificate, or null for the
 *               server's address host
 * @param alpn   the protocols offered by ALPN, in order of preference, or null for the default
 *               of the backend's mode ({@link #alpnFor}); empty offers none
 */
public record UpstreamTlsConfig(boolean verify, Path ca, String sni, List<String> alpn) {

    /** What HTTP mode speaks to servers, and so the only protocol it may offer. */
    public static final String HTTP_1_1 = "http/1.1";

    /** {@code tls: {}}: verification against the JDK's trust store, the default name and ALPN. */
    public static final UpstreamTlsConfig DEFAULTS = new UpstreamTlsConfig(true, null, null, null);

    /** RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens. */
    private static final Pattern HOST_NAME =
            Pattern.compile("(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\\.?");

    private static final Pattern IPV4 = Pattern.compile("[0-9]+(\\.[0-9]+){3}");

    public UpstreamTlsConfig {
        if (sni != null) {
            if (sni.length() > 253 || !HOST_NAME.matcher(sni).matches()) {
                throw new IllegalArgumentException("sni '" + sni + "' is not a host name");
            }
            if (IPV4.matcher(sni).matches()) {
                throw new IllegalArgumentException("sni '" + sni
                        + "' is an IP address; SNI carries host names only (leave sni out to verify an IP address)");
            }
        }
        if (alpn != null) {
            alpn = List.copyOf(alpn);
            HashSet<String> seen = new HashSet<>();
            for (String p : alpn) {
                // RFC 7301 §3.1: a protocol name is 1 to 255 bytes.
                int bytes = p.getBytes(StandardCharsets.UTF_8).length;
                if (bytes == 0 || bytes > 255) {
                    throw new IllegalArgumentException("an alpn protocol name is 1 to 255 bytes long");
                }
                if (!seen.add(p)) {
                    throw new IllegalArgumentException("alpn lists '" + p + "' twice");
                }
            }
        }
    }

    /** What HTTP mode speaks to servers of a {@code protocol: h2} backend. */
    public static final String H2 = "h2";

    /**
     * The protocols offered in {@code mode} speaking {@code protocol}: {@code alpn} when set,
     * else {@code http/1.1} (or {@code h2} with {@link ServerProtocol#H2}) in http mode and none
     * in tcp mode.
     */
    public List<String> alpnFor(Mode mode, ServerProtocol protocol) {
        if (alpn != null) {
            return alpn;
        }
        if (mode != Mode.HTTP) {
            return List.of();
        }
        return List.of(protocol == ServerProtocol.H2 ? H2 : HTTP_1_1);
    }

    /** A builder with the defaults: verify on, no ca, sni and alpn by default. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link UpstreamTlsConfig}. */
    public static final class Builder {
        private boolean verify = true;
        private Path ca;
        private String sni;
        private List<String> alpn;

        private Builder() {}

        public Builder verify(boolean v) {
            verify = v;
            return this;
        }

        public Builder ca(Path file) {
            ca = file;
            return this;
        }

        public Builder sni(String name) {
            sni = name;
            return this;
        }

        public Builder alpn(List<String> protocols) {
            alpn = protocols;
            return this;
        }

        public UpstreamTlsConfig build() {
            return new UpstreamTlsConfig(verify, ca, sni, alpn);
        }
    }

    /**
     * Used by {@link BackendConfig}: in http mode only the backend's protocol may be offered
     * ({@code http/1.1}, or {@code h2} with {@code protocol: h2}).
     */
    void checkFor(String backend, Mode mode, ServerProtocol protocol) {
        Objects.requireNonNull(mode, "mode");
        if (mode == Mode.HTTP && alpn != null) {
            String only = protocol == ServerProtocol.H2 ? H2 : HTTP_1_1;
            String speaks = protocol == ServerProtocol.H2 ? "protocol h2 speaks HTTP/2" : "http mode speaks HTTP/1.1";
            for (String p : alpn) {
                if (!p.equals(only)) {
                    throw new IllegalArgumentException("backend " + backend + ": tls.alpn: '" + p
                            + "' cannot be offered: " + speaks + " to servers (offer " + only
                            + ", or none with [])");
                }
            }
        }
    }
}
