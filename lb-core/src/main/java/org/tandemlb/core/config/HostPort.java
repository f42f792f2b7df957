package org.tandemlb.core.config;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * An unresolved {@code host:port} pair as written in a configuration: an IPv4 address, a
 * bracketed IPv6 address ({@code [::1]:80}) or a host name. Port 0 is allowed for listeners,
 * where it asks the system for any free port (useful for tests and embedding).
 *
 * @param host the host name or literal address, never empty
 * @param port 0 to 65535
 */
public record HostPort(String host, int port) {

    public HostPort {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("address has an empty host");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range 0-65535");
        }
    }

    /**
     * Parses {@code host:port} or {@code [v6]:port}.
     *
     * @throws IllegalArgumentException with a message fit for the user when the text has no port
     *         or a bad one
     */
    public static HostPort parse(String text) {
        Objects.requireNonNull(text, "text");
        String s = text.trim();
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("'" + text + "' is not [ipv6]:port");
            }
            host = s.substring(1, close);
            port = s.substring(close + 2);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("'" + text + "' has no port (write host:port)");
            }
            if (s.indexOf(':') != colon) {
                throw new IllegalArgumentException("'" + text + "': write IPv6 addresses as [address]:port");
            }
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("'" + text + "' has no host (use 0.0.0.0 for every address)");
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has a bad port '" + port + "'");
        }
        return new HostPort(host, p);
    }

    /** Creates an unresolved socket address; resolution happens off the event loops. */
    public InetSocketAddress toUnresolved() {
        return InetSocketAddress.createUnresolved(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
