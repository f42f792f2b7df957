package org.tandemlb.core.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The whole data-plane configuration of a load balancer: its frontends and backends. Immutable;
 * a running {@link org.tandemlb.core.LoadBalancer} takes a new one to reload.
 *
 * <p>Construction checks what spans several objects: names are unique, every backend a frontend
 * or route names exists, and a frontend and its backends share a mode.
 *
 * @param frontends      the listeners
 * @param backends       the server pools
 * @param maxConnections client connections of all frontends together at once; at the limit every
 *                       frontend stops accepting until one closes (the kernel's backlog holds
 *                       the next ones). 0 for no limit
 */
public record LoadBalancerConfig(List<FrontendConfig> frontends, List<BackendConfig> backends, int maxConnections) {

    /** Frontends and backends without a process-wide connection limit. */
    public LoadBalancerConfig(List<FrontendConfig> frontends, List<BackendConfig> backends) {
        this(frontends, backends, 0);
    }

    public LoadBalancerConfig {
        if (maxConnections < 0) {
            throw new IllegalArgumentException("max_connections must not be negative");
        }
        frontends = List.copyOf(frontends);
        backends = List.copyOf(backends);
        Map<String, BackendConfig> byName = new HashMap<>();
        for (BackendConfig b : backends) {
            if (byName.put(b.name(), b) != null) {
                throw new IllegalArgumentException("backend name '" + b.name() + "' is used twice");
            }
        }
        Map<String, FrontendConfig> frontendNames = new HashMap<>();
        for (FrontendConfig f : frontends) {
            if (frontendNames.put(f.name(), f) != null) {
                throw new IllegalArgumentException("frontend name '" + f.name() + "' is used twice");
            }
            checkReference(f, f.defaultBackend(), byName);
            for (RouteConfig r : f.routes()) {
                if (r.backend() != null) { // a route that redirects or denies has none
                    checkReference(f, r.backend(), byName);
                }
            }
        }
    }

    private static void checkReference(FrontendConfig f, String backend, Map<String, BackendConfig> byName) {
        BackendConfig b = byName.get(backend);
        if (b == null) {
            throw new IllegalArgumentException("frontend " + f.name() + ": backend '" + backend + "' is not defined");
        }
        if (b.mode() != f.mode()) {
            throw new IllegalArgumentException(
                    "frontend " + f.name() + " is in " + f.mode().configName() + " mode but backend " + b.name()
                            + " is in " + b.mode().configName() + " mode");
        }
    }

    /** The backend called {@code name}, or null. */
    public BackendConfig backend(String name) {
        for (BackendConfig b : backends) {
            if (b.name().equals(name)) {
                return b;
            }
        }
        return null;
    }

    /** The frontend called {@code name}, or null. */
    public FrontendConfig frontend(String name) {
        for (FrontendConfig f : frontends) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        return null;
    }

    /** A builder with no frontends and no backends. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link LoadBalancerConfig}. */
    public static final class Builder {
        private final List<FrontendConfig> frontends = new ArrayList<>();
        private final List<BackendConfig> backends = new ArrayList<>();
        private int maxConnections;

        private Builder() {}

        public Builder maxConnections(int m) {
            maxConnections = m;
            return this;
        }

        public Builder frontend(FrontendConfig f) {
            frontends.add(Objects.requireNonNull(f));
            return this;
        }

        public Builder backend(BackendConfig b) {
            backends.add(Objects.requireNonNull(b));
            return this;
        }

        public LoadBalancerConfig build() {
            return new LoadBalancerConfig(frontends, backends, maxConnections);
        }
    }
}
