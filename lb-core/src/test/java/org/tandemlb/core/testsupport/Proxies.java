package org.tandemlb.core.testsupport;

import java.util.function.UnaryOperator;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.Http2Config;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.transport.Transport;

/** Builds and starts load balancers for tests: one frontend "fe" on 127.0.0.1:0, one backend "be". */
public final class Proxies {
    private Proxies() {}

    /** A started load balancer in {@code mode} with the given backend builder customisation. */
    public static LoadBalancer start(
            Mode mode,
            UnaryOperator<BackendConfig.Builder> backend,
            UnaryOperator<FrontendConfig.Builder> frontend,
            int threads) {
        return start(Transport.best(), mode, backend, frontend, threads);
    }

    /** As {@link #start(Mode, UnaryOperator, UnaryOperator, int)}, on the given transport. */
    public static LoadBalancer start(
            Transport transport,
            Mode mode,
            UnaryOperator<BackendConfig.Builder> backend,
            UnaryOperator<FrontendConfig.Builder> frontend,
            int threads) {
        LoadBalancerConfig cfg = LoadBalancerConfig.builder()
                .backend(backend.apply(BackendConfig.builder("be", mode)).build())
                .frontend(frontend.apply(FrontendConfig.builder("fe", mode)
                                .bind("127.0.0.1:0")
                                .defaultBackend("be"))
                        .build())
                .build();
        LoadBalancer lb =
                LoadBalancer.builder(cfg).transport(transport).threads(threads).build();
        lb.start();
        return lb;
    }

    /** A started HTTP load balancer over {@code servers} (weight 1 each), one event loop. */
    public static LoadBalancer http(TestBackend... servers) {
        return http(f -> f, servers);
    }

    /** As {@link #http}, its frontend also taking HTTP/2 with prior knowledge (h2c). */
    public static LoadBalancer h2c(TestBackend... servers) {
        return http(f -> f.http2(Http2Config.DEFAULTS.withH2c(true)), servers);
    }

    private static LoadBalancer http(UnaryOperator<FrontendConfig.Builder> frontend, TestBackend... servers) {
        return start(
                Mode.HTTP,
                b -> {
                    for (TestBackend s : servers) {
                        b.server(ServerConfig.builder(s.name(), s.hostPort()).build());
                    }
                    return b;
                },
                frontend,
                1);
    }
}
