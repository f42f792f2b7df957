package org.tandemlb.admin.importer;

import java.util.Set;

/** HAProxy's {@code server} and {@code default-server} options: which take a value. */
final class ServerOptions {

    /** The options that take a value (the others are flags). */
    private static final Set<String> WITH_VALUE = Set.of(
            "inter",
            "fastinter",
            "downinter",
            "rise",
            "fall",
            "weight",
            "maxconn",
            "minconn",
            "maxqueue",
            "slowstart",
            "port",
            "addr",
            "cookie",
            "verify",
            "ca-file",
            "crl-file",
            "crt",
            "sni",
            "check-sni",
            "alpn",
            "check-alpn",
            "proto",
            "check-proto",
            "resolvers",
            "resolve-prefer",
            "resolve-net",
            "resolve-opts",
            "init-addr",
            "id",
            "on-error",
            "on-marked-down",
            "on-marked-up",
            "error-limit",
            "observe",
            "source",
            "usesrc",
            "socks4",
            "namespace",
            "pool-max-conn",
            "pool-purge-delay",
            "pool-low-conn",
            "max-reuse",
            "agent-port",
            "agent-inter",
            "agent-addr",
            "agent-send",
            "track",
            "redir",
            "ciphers",
            "ciphersuites",
            "ssl-min-ver",
            "ssl-max-ver",
            "tcp-ut",
            "log-proto",
            "shard",
            "proxy-v2-options",
            "set-proxy-v2-tlv-fmt",
            "ws",
            "curves",
            "sigalgs",
            "client-sigalgs",
            "hash-key",
            "interface",
            "npn",
            "ssl-reuse");

    private ServerOptions() {}

    /** Whether {@code option} is followed by a value ({@code weight 3}) rather than a flag ({@code backup}). */
    static boolean takesValue(String option) {
        return WITH_VALUE.contains(option);
    }
}
