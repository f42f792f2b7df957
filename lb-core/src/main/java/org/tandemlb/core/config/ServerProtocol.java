package org.tandemlb.core.config;

import java.util.Locale;

/**
 * What an http-mode backend speaks to its servers, as a backend's {@code protocol} setting.
 */
public enum ServerProtocol {
    /** HTTP/1.1, one request at a time on each pooled connection (the default). */
    HTTP1,
    /**
     * HTTP/2: h2c (prior knowledge) on plain TCP, h2 with ALPN over the backend's {@code tls};
     * many requests share each connection as streams, trailers pass end to end (gRPC).
     */
    H2;

    /** The name used in the config file. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
