package org.tandemlb.core.config;

/**
 * How a frontend or backend treats its traffic: {@code http} parses HTTP/1.1 and balances every
 * request, {@code tcp} balances whole connections and relays their bytes untouched.
 */
public enum Mode {
    /** HTTP/1.1 reverse proxy: per-request balancing, keep-alive pools, header rewriting. */
    HTTP,
    /** Layer-4 byte relay: per-connection balancing, half-close relayed. */
    TCP;

    /** The name used in the config file: {@code http} or {@code tcp}. */
    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
