package org.tandemlb.core;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.history.EventLog;
import org.tandemlb.core.proxy.HttpConnectionPool;
import org.tandemlb.core.tls.UpstreamTls;

/**
 * The backend side of a start or an apply, in two steps: {@link #prepare} decides which running
 * backends carry on and reads every file the new ones need (the {@code ca} files of their TLS), so
 * that a bad file fails before anything changed; {@link #apply} then keeps and updates, creates
 * or drops the backends. A backend that carries on keeps its servers whose settings did not
 * change, with their health, admin state, counters and pooled connections.
 */
final class BackendUpdate {
    private final LoadBalancerConfig next;
    /** The running backends that carry on (same name and mode), by name; null values for new ones. */
    private final Map<String, Backend> carried;

    private final Map<String, UpstreamTls> tls;

    private BackendUpdate(LoadBalancerConfig next, Map<String, Backend> carried, Map<String, UpstreamTls> tls) {
        this.next = next;
        this.carried = carried;
        this.tls = tls;
    }

    /**
     * Reads what {@code next}'s backends need.
     *
     * @param running the backends in force (empty at the start)
     * @throws LoadBalancerException when a {@code ca} file cannot be used
     */
    static BackendUpdate prepare(LoadBalancerConfig next, Map<String, Backend> running) {
        Map<String, Backend> carried = new LinkedHashMap<>();
        for (BackendConfig bc : next.backends()) {
            Backend existing = running.get(bc.name());
            carried.put(bc.name(), existing != null && existing.config().mode() == bc.mode() ? existing : null);
        }
        return new BackendUpdate(next, carried, upstreamTls(next, carried));
    }

    /**
     * Makes the backends of the new configuration; the idle pooled connections of dropped servers
     * and backends, and of backends whose TLS changed, are closed.
     *
     * @param running the backends in force before
     * @return the backends now, by name, in configuration order
     */
    Map<String, Backend> apply(
            Map<String, Backend> running, HttpConnectionPool pool, LongSupplier ticker, EventLog events) {
        Map<String, Backend> applied = new LinkedHashMap<>();
        for (BackendConfig bc : next.backends()) {
            Backend existing = carried.get(bc.name());
            UpstreamTls nextTls = tls.get(bc.name());
            if (existing != null) {
                boolean tlsChanged = existing.tls() != nextTls;
                for (Server dropped : existing.update(bc, nextTls)) {
                    pool.closeIdle(dropped);
                }
                if (tlsChanged) {
                    // Idle connections made with the old TLS settings (or without TLS) are not reused.
                    existing.servers().forEach(pool::closeIdle);
                }
                applied.put(bc.name(), existing);
            } else {
                applied.put(bc.name(), new Backend(bc, ticker, nextTls, events));
            }
        }
        for (Backend old : running.values()) {
            if (applied.get(old.name()) != old) {
                old.servers().forEach(pool::closeIdle);
            }
        }
        return applied;
    }

    /**
     * The TLS side of every backend of {@code next} that has {@code tls}, by name: the one of its
     * running backend when that still fits, else a new one (reading its {@code ca} file). Warns
     * once for each backend that newly does not verify its servers.
     *
     * @param running the running backends that carry on, by name (values may be null)
     * @throws LoadBalancerException when a {@code ca} file cannot be used
     */
    private static Map<String, UpstreamTls> upstreamTls(LoadBalancerConfig next, Map<String, Backend> running) {
        Map<String, UpstreamTls> out = new LinkedHashMap<>();
        for (BackendConfig bc : next.backends()) {
            Backend old = running.get(bc.name());
            UpstreamTls previous = old == null ? null : old.tls();
            UpstreamTls tls;
            try {
                tls = Backend.tlsOf(bc, previous);
            } catch (IllegalArgumentException e) {
                throw new LoadBalancerException(e.getMessage(), e);
            }
            if (tls != null) {
                tls.warnIfUnverified(previous);
                out.put(bc.name(), tls);
            }
        }
        return out;
    }
}
