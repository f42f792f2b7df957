package org.tandemlb.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.frontend.Frontend;

/**
 * {@link LoadBalancer#frontends()} and {@link LoadBalancer#backends()} list them in configuration
 * order (the status API and page show them so), at start and after a reload that reorders them.
 */
class LoadBalancerOrderTest {

    @Test
    void frontendsAndBackendsComeInConfigurationOrder() {
        try (LoadBalancer lb = LoadBalancer.builder(config(List.of("zeta", "alpha", "mid", "beta", "omega")))
                .threads(1)
                .build()) {
            lb.start();
            assertEquals(List.of("zeta", "alpha", "mid", "beta", "omega"), backendNames(lb));
            assertEquals(List.of("fe-zeta", "fe-alpha", "fe-mid", "fe-beta", "fe-omega"), frontendNames(lb));

            lb.apply(config(List.of("omega", "mid", "alpha", "zeta", "beta")));
            assertEquals(List.of("omega", "mid", "alpha", "zeta", "beta"), backendNames(lb));
            assertEquals(List.of("fe-omega", "fe-mid", "fe-alpha", "fe-zeta", "fe-beta"), frontendNames(lb));
        }
    }

    private static List<String> backendNames(LoadBalancer lb) {
        return lb.backends().stream().map(Backend::name).toList();
    }

    private static List<String> frontendNames(LoadBalancer lb) {
        return lb.frontends().stream().map(Frontend::name).toList();
    }

    private static LoadBalancerConfig config(List<String> names) {
        LoadBalancerConfig.Builder b = LoadBalancerConfig.builder();
        for (String n : names) {
            b.backend(BackendConfig.builder(n, Mode.HTTP)
                    .server(ServerConfig.builder(n + "1", "127.0.0.1:9").build())
                    .build());
            b.frontend(FrontendConfig.builder("fe-" + n, Mode.HTTP)
                    .bind("127.0.0.1:0")
                    .defaultBackend(n)
                    .build());
        }
        return b.build();
    }
}
