package org.tandemlb.core.config;

import java.util.Locale;

/**
 * Whether and how a PROXY protocol header (HAProxy's, {@code proxy-protocol.txt}) goes first on
 * each new connection to a server, telling it the original client's address.
 */
public enum SendProxy {
    /** No header: the server sees the load balancer's address. */
    NONE,
    /** Version 1, the text line ({@code PROXY TCP4 src dst sport dport\r\n}). */
    V1,
    /** Version 2, the binary header. */
    V2;

    /** The name used in the config file. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
