package org.tandemlb.core.config;

import java.time.Duration;

/**
 * The HTTP/2 settings of an {@code http} frontend: whether cleartext connections may speak it
 * (h2c with prior knowledge), and the limits that bound what one client connection may cost.
 * The defaults follow HAProxy's ({@code tune.h2.*}) and Netty's.
 *
 * @param h2c                  cleartext connections that open with the HTTP/2 preface speak
 *                             HTTP/2 (default false: every cleartext connection is HTTP/1.1)
 * @param maxConcurrentStreams {@code SETTINGS_MAX_CONCURRENT_STREAMS}: streams a client may have
 *                             open at once (default 100)
 * @param initialWindowSize    {@code SETTINGS_INITIAL_WINDOW_SIZE}: bytes of request body a
 *                             client may send on a stream ahead of Tandem's reading (default 65535)
 * @param headerTableSize      {@code SETTINGS_HEADER_TABLE_SIZE}: the HPACK dynamic table a client
 *                             may use (default 4096)
 * @param maxHeaderListSize    {@code SETTINGS_MAX_HEADER_LIST_SIZE}: the largest decoded request
 *                             header list (default 16384, the HTTP/1.1 head limit); beyond it the
 *                             stream gets 431, and a quarter beyond it the connection is closed
 * @param maxResets            streams a client may reset within {@code resetWindow} before the
 *                             connection is closed with {@code ENHANCE_YOUR_CALM} (rapid reset,
 *                             CVE-2023-44487; default 200)
 * @param resetWindow          the window of {@code maxResets}, whole seconds (default 30s)
 */
public record Http2Config(
        boolean h2c,
        int maxConcurrentStreams,
        int initialWindowSize,
        int headerTableSize,
        int maxHeaderListSize,
        int maxResets,
        Duration resetWindow) {
    /** HTTP/2 over TLS only (ALPN), with the default limits. */
    public static final Http2Config DEFAULTS =
            new Http2Config(false, 100, 65535, 4096, 16384, 200, Duration.ofSeconds(30));

    public Http2Config {
        if (maxConcurrentStreams < 1) {
            throw new IllegalArgumentException("http2 max_concurrent_streams must be at least 1");
        }
        if (initialWindowSize < 1 || initialWindowSize > Integer.MAX_VALUE - 1) {
            throw new IllegalArgumentException("http2 initial_window_size must be between 1 and 2^31-1");
        }
        if (headerTableSize < 0) {
            throw new IllegalArgumentException("http2 header_table_size must not be negative");
        }
        if (maxHeaderListSize < 1024) {
            throw new IllegalArgumentException("http2 max_header_list_size must be at least 1024");
        }
        if (maxResets < 1) {
            throw new IllegalArgumentException("http2 max_resets must be at least 1");
        }
        if (resetWindow == null || resetWindow.toSeconds() < 1) {
            throw new IllegalArgumentException("http2 reset_window must be at least 1s");
        }
    }

    /** These settings with h2c on or off. */
    public Http2Config withH2c(boolean on) {
        return new Http2Config(
                on,
                maxConcurrentStreams,
                initialWindowSize,
                headerTableSize,
                maxHeaderListSize,
                maxResets,
                resetWindow);
    }
}
