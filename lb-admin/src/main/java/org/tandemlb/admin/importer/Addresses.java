package org.tandemlb.admin.importer;

/** HAProxy's address forms as Tandem's {@code host:port}. */
final class Addresses {

    private Addresses() {}

    /**
     * A {@code bind} address ({@code :80}, {@code *:80}, {@code 10.0.0.1:80}, {@code :::80},
     * {@code ipv6@[::]:80}) as {@code host:port}; null when it is not a single TCP port on an
     * address (a socket path, a port range).
     */
    static String bind(String a) {
        String hp = hostPort(a);
        if (hp == null) {
            return null;
        }
        return hp.startsWith(":") ? "0.0.0.0" + hp : hp;
    }

    /** A {@code server} address; null without a port or with a port offset ({@code +1}). */
    static String server(String a) {
        String hp = hostPort(a);
        return hp == null || hp.startsWith(":") ? null : hp;
    }

    private static String hostPort(String a) {
        for (String prefix : new String[] {"ipv4@", "ipv6@", "tcp@", "tcp4@", "tcp6@"}) {
            if (a.startsWith(prefix)) {
                a = a.substring(prefix.length());
            }
        }
        if (a.contains("@") || a.startsWith("/")) {
            return null;
        }
        int colon = a.lastIndexOf(':');
        if (colon < 0) {
            return null;
        }
        String host = a.substring(0, colon);
        String port = a.substring(colon + 1);
        if (!port.matches("\\d{1,5}") || Integer.parseInt(port) > 65535) {
            return null;
        }
        if (host.equals("*") || host.isEmpty()) {
            return ":" + port;
        }
        if (host.equals("::") || (host.contains(":") && !host.startsWith("["))) {
            return "[" + host + "]:" + port;
        }
        return host + ":" + port;
    }
}
