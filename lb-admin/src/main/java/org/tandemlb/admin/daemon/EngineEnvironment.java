package org.tandemlb.admin.daemon;

import java.util.Map;
import org.tandemlb.core.LoadBalancerException;
import org.tandemlb.core.tls.TlsProvider;
import org.tandemlb.core.transport.Transport;

/**
 * What the environment chooses for the engine: the socket transport ({@value #TRANSPORT_ENV}),
 * the TLS provider ({@value #TLS_ENV}) and whether the data plane is warmed up before it listens
 * ({@value #WARMUP_ENV}). A bad value fails the start with one line.
 */
final class EngineEnvironment {
    /** The environment variable that chooses the socket transport ({@link Transport#named}). */
    static final String TRANSPORT_ENV = "TANDEM_TRANSPORT";

    /** The environment variable that chooses the TLS provider: {@code jdk} or {@code openssl}. */
    static final String TLS_ENV = "TANDEM_TLS";

    /** The environment variable that turns the start's warm-up off: {@code off} (default {@code on}). */
    static final String WARMUP_ENV = "TANDEM_WARMUP";

    private EngineEnvironment() {}

    /**
     * Whether {@value #WARMUP_ENV} leaves the warm-up on ({@code on}, or unset or empty) or turns it
     * {@code off}.
     *
     * @throws LoadBalancerException for any other value
     */
    static boolean warmup(Map<String, String> env) {
        String value = env.getOrDefault(WARMUP_ENV, "").strip();
        return switch (value) {
            case "", "on" -> true;
            case "off" -> false;
            default -> throw new LoadBalancerException(WARMUP_ENV + ": '" + value + "' is neither on nor off");
        };
    }

    /**
     * The transport {@value #TRANSPORT_ENV} names ({@code auto} when unset or empty).
     *
     * @throws LoadBalancerException for an unknown name or a transport not available here
     */
    static Transport transport(Map<String, String> env) {
        String name = env.getOrDefault(TRANSPORT_ENV, "");
        try {
            return Transport.named(name.isBlank() ? "auto" : name);
        } catch (IllegalArgumentException e) {
            throw new LoadBalancerException(TRANSPORT_ENV + ": " + e.getMessage(), e);
        }
    }

    /**
     * The TLS provider {@value #TLS_ENV} names; null when unset or empty (the load balancer then
     * takes the best available, once a frontend has TLS).
     *
     * @throws LoadBalancerException for an unknown name or a provider not available here
     */
    static TlsProvider tlsProvider(Map<String, String> env) {
        String name = env.get(TLS_ENV);
        if (name == null || name.isBlank()) {
            return null;
        }
        try {
            return TlsProvider.choose(name);
        } catch (IllegalArgumentException e) {
            throw new LoadBalancerException(e.getMessage(), e);
        }
    }
}
