package org.tandemlb.admin.daemon;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.frontend.Frontend;

/** How the daemon writes a configuration, an address and a duration in its log lines. */
public final class Summary {
    private Summary() {}

    /** {@code www (http) 0.0.0.0:443 -> web; ...; backends web (3 servers), ...}, for the log. */
    static String of(LoadBalancerConfig c, LoadBalancer lb) {
        String frontends = c.frontends().stream().map(f -> describe(f, lb)).collect(Collectors.joining("; "));
        String backends = c.backends().stream()
                .map(b -> b.name() + " (" + servers(b) + ")")
                .collect(Collectors.joining(", "));
        return "frontends " + (frontends.isEmpty() ? "none" : frontends) + "; backends "
                + (backends.isEmpty() ? "none" : backends);
    }

    private static String describe(FrontendConfig f, LoadBalancer lb) {
        Frontend running = lb.frontend(f.name());
        List<InetSocketAddress> bound = running == null ? List.of() : running.boundAddresses();
        // The addresses actually bound, so that port 0 shows the port the system chose.
        String where = bound.isEmpty()
                ? f.binds().stream().map(Object::toString).collect(Collectors.joining(" "))
                : bound.stream().map(Summary::hostPort).collect(Collectors.joining(" "));
        return f.name() + " (" + f.mode().configName() + ") on " + where + " -> " + f.defaultBackend();
    }

    private static String servers(BackendConfig b) {
        int n = b.servers().size();
        return n == 1 ? "1 server" : n + " servers";
    }

    /** {@code host:port}, with an IPv6 host in brackets, as addresses are written in the config file. */
    public static String hostPort(InetSocketAddress a) {
        String host = a.getHostString();
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + a.getPort() : host + ":" + a.getPort();
    }

    /** 30s, 1500ms, 0s: as durations are written in the config file. */
    static String format(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }
}
