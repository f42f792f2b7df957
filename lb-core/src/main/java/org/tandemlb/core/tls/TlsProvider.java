package org.tandemlb.core.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.util.Locale;

/**
 * The TLS implementation of the frontends: BoringSSL through netty-tcnative ({@code openssl}),
 * or the JDK's own ({@code jdk}). BoringSSL is faster and is the only one that shares session
 * tickets between the nodes of a cluster and staples OCSP responses.
 */
public enum TlsProvider {
    /** The JDK's {@code SSLEngine}. */
    JDK,
    /** BoringSSL, from netty-tcnative-boringssl-static (Linux x86_64 and aarch64). */
    OPENSSL;

    /** The name used in {@code TANDEM_TLS} and in logs. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether this provider can be used in this process. */
    public boolean isAvailable() {
        return this == JDK || OpenSsl.isAvailable();
    }

    /** Netty's name for it. */
    SslProvider netty() {
        return this == JDK ? SslProvider.JDK : SslProvider.OPENSSL;
    }

    /**
     * The provider a setting asks for: {@code jdk}, {@code openssl}, or null/empty for the best
     * available ({@code openssl} when it loads, {@code jdk} otherwise).
     *
     * @throws IllegalArgumentException for an unknown name, or {@code openssl} when it does not
     *                                  load here (with the reason)
     */
    public static TlsProvider choose(String setting) {
        if (setting == null || setting.isBlank()) {
            return OPENSSL.isAvailable() ? OPENSSL : JDK;
        }
        String s = setting.trim().toLowerCase(Locale.ROOT);
        if (s.equals("jdk")) {
            return JDK;
        }
        if (s.equals("openssl")) {
            if (!OPENSSL.isAvailable()) {
                Throwable why = OpenSsl.unavailabilityCause();
                throw new IllegalArgumentException(
                        "TANDEM_TLS=openssl but BoringSSL (netty-tcnative) does not load here"
                                + (why == null ? "" : ": " + why.getMessage()) + "; use TANDEM_TLS=jdk");
            }
            return OPENSSL;
        }
        throw new IllegalArgumentException("TANDEM_TLS=" + setting + " is not a TLS provider; use jdk or openssl");
    }
}
