package org.tandemlb.core.config;

import java.util.Objects;

/**
 * One server of a backend.
 *
 * @param name           unique within its backend, {@code [A-Za-z0-9_.-]+}
 * @param address        where the server listens
 * @param weight         0 to 256 as in HAProxy (default 1); 0 takes no new traffic
 * @param backup         a backup server takes traffic only while every non-backup server is down
 * @param maxConnections 0 for no limit; otherwise at most this many requests (HTTP) or
 *                       connections (TCP) at once, the others wait in the backend's queue
 */
public record ServerConfig(String name, HostPort address, int weight, boolean backup, int maxConnections) {

    /** The highest weight a server may have, as in HAProxy. */
    public static final int MAX_WEIGHT = 256;

    public ServerConfig {
        Names.require("server", name);
        Objects.requireNonNull(address, "address");
        if (address.port() == 0) {
            throw new IllegalArgumentException("server " + name + ": address " + address + " needs a port");
        }
        if (weight < 0 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException(
                    "server " + name + ": weight " + weight + " is out of range 0-" + MAX_WEIGHT);
        }
        if (maxConnections < 0) {
            throw new IllegalArgumentException("server " + name + ": max_connections must not be negative");
        }
    }

    /** A builder for a server called {@code name} at {@code address}, weight 1. */
    public static Builder builder(String name, String address) {
        return new Builder(name, HostPort.parse(address));
    }

    /** A builder for a server called {@code name} at {@code address}, weight 1. */
    public static Builder builder(String name, HostPort address) {
        return new Builder(name, address);
    }

    /** This server with another weight. */
    public ServerConfig withWeight(int newWeight) {
        return new ServerConfig(name, address, newWeight, backup, maxConnections);
    }

    /** Builds {@link ServerConfig}. */
    public static final class Builder {
        private final String name;
        private final HostPort address;
        private int weight = 1;
        private boolean backup;
        private int maxConnections;

        private Builder(String name, HostPort address) {
            this.name = name;
            this.address = address;
        }

        public Builder weight(int w) {
            weight = w;
            return this;
        }

        public Builder backup(boolean b) {
            backup = b;
            return this;
        }

        public Builder maxConnections(int m) {
            maxConnections = m;
            return this;
        }

        public ServerConfig build() {
            return new ServerConfig(name, address, weight, backup, maxConnections);
        }
    }
}
