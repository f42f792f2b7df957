package org.tandemlb.examples.embed;

import java.time.Duration;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Balance;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.config.Timeouts;

/**
 * Tandem's engine embedded in a Java program, without the daemon or a config file: an HTTP
 * frontend balancing two servers with least-connections.
 *
 * <p>Run: {@code java -cp ... org.tandemlb.examples.embed.EmbeddedLoadBalancer 127.0.0.1:8080 10.0.0.21:80 10.0.0.22:80}
 */
public final class EmbeddedLoadBalancer {
    private EmbeddedLoadBalancer() {}

    /** The configuration: one frontend on {@code listen}, one backend over {@code servers}. */
    public static LoadBalancerConfig config(String listen, String... servers) {
        BackendConfig.Builder web = BackendConfig.builder("web", Mode.HTTP)
                .balance(Balance.LEASTCONN)
                .timeouts(Timeouts.builder()
                        .connect(Duration.ofSeconds(2))
                        .server(Duration.ofSeconds(30))
                        .build())
                .retries(2);
        for (int i = 0; i < servers.length; i++) {
            web.server(ServerConfig.builder("web" + (i + 1), servers[i])
                    .weight(100)
                    .build());
        }
        return LoadBalancerConfig.builder()
                .backend(web.build())
                .frontend(FrontendConfig.builder("www", Mode.HTTP)
                        .bind(listen)
                        .maxConnections(10_000)
                        .defaultBackend("web")
                        .build())
                .build();
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 2) {
            System.err.println(
                    "usage: EmbeddedLoadBalancer LISTEN SERVER...   e.g. 127.0.0.1:8080 127.0.0.1:8081 127.0.0.1:8082");
            System.exit(2);
        }
        String[] servers = java.util.Arrays.copyOfRange(args, 1, args.length);
        LoadBalancer lb = LoadBalancer.builder(config(args[0], servers)).build();
        lb.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> lb.stop(Duration.ofSeconds(10))));
        System.out.println("balancing " + lb.address("www") + " over " + String.join(", ", servers));
        Thread.currentThread().join();
    }
}
