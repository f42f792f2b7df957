package org.tandemlb.core.health;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.CheckResult;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.HealthCheckConfig;
import org.tandemlb.core.tls.UpstreamTls;

/**
 * The health checking of a load balancer: one checker per server of every backend that has an
 * active {@code health_check} or a {@code passive_check}, kept in line with the running backends
 * by {@link #sync}, the one path for start-up and reload.
 *
 * <p>{@link #sync} keeps the checker (and so the health) of every server the reload kept with an
 * unchanged check; it starts checkers for new servers (up until their first check fails, as at
 * boot), restarts them for servers whose backend's check changed (they keep their health), and
 * stops them for servers that are gone or no longer checked (a server left with no check at all
 * is up, as servers without checks always are). A new TLS side of the backend (its {@code tls}
 * or its {@code ca} file changed) counts as a changed check.
 *
 * <p>Thread-safe: {@link #sync} and {@link #close} are serialized; the checkers run on their
 * own schedulers.
 */
public final class HealthChecks implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HealthChecks.class);

    private final CheckFactory factory;
    private final DoubleSupplier random;
    private final Clock clock;
    private Map<Server, ServerChecker> checkers = new IdentityHashMap<>();
    /** The backend TLS side each checker's probe was made with (absent: none). */
    private Map<Server, UpstreamTls> probeTls = new IdentityHashMap<>();

    private boolean closed;

    /** Health checks with real probes and the system's randomness and wall clock. */
    public HealthChecks(CheckFactory factory) {
        this(factory, () -> ThreadLocalRandom.current().nextDouble(), Clock.systemUTC());
    }

    /**
     * @param factory where each server's checks run and how it is probed
     * @param random  uniform numbers in [0, 1) for the spreading and jitter of checks (called on
     *                the checkers' threads, so it must be thread-safe)
     * @param clock   the wall clock of {@link CheckResult#time()}
     */
    public HealthChecks(CheckFactory factory, DoubleSupplier random, Clock clock) {
        this.factory = Objects.requireNonNull(factory, "factory");
        this.random = Objects.requireNonNull(random, "random");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Brings the checkers in line with {@code backends}, the load balancer's current ones. */
    public synchronized void sync(Collection<Backend> backends) {
        if (closed) {
            return;
        }
        Map<Server, ServerChecker> old = checkers;
        Map<Server, ServerChecker> next = new IdentityHashMap<>();
        Map<Server, UpstreamTls> nextTls = new IdentityHashMap<>();
        List<ServerChecker> toStart = new ArrayList<>();
        List<Boolean> fresh = new ArrayList<>();
        for (Backend backend : backends) {
            BackendConfig bc = backend.config();
            HealthCheckConfig active = bc.healthCheck();
            boolean passive = bc.passiveCheck().enabled();
            UpstreamTls tls = backend.tls();
            for (Server server : backend.servers()) {
                ServerChecker existing = old.remove(server);
                if (existing != null && existing.sameAs(active, passive) && probeTls.get(server) == tls) {
                    next.put(server, existing);
                    if (tls != null) {
                        nextTls.put(server, tls);
                    }
                    continue;
                }
                if (existing != null) {
                    existing.stop();
                }
                if (active == null && !passive) {
                    if (existing != null && !server.isUp() && !server.address().isUnresolved()) {
                        server.setUp(true, "it is no longer checked");
                        log.info("server {} is UP: it is no longer checked", server);
                    }
                    continue;
                }
                CheckScheduler scheduler = factory.scheduler();
                Check check = factory.check(server, ServerChecker.effectiveCheck(active), scheduler);
                ServerChecker checker = new ServerChecker(server, active, passive, check, scheduler, random, clock);
                next.put(server, checker);
                if (tls != null) {
                    nextTls.put(server, tls);
                }
                toStart.add(checker);
                fresh.add(existing == null);
            }
        }
        old.values().forEach(ServerChecker::stop); // servers that are gone
        checkers = next;
        probeTls = nextTls;
        for (int i = 0; i < toStart.size(); i++) {
            toStart.get(i).start(fresh.get(i));
        }
    }

    /** The number of servers being checked (actively, or ready to recover from a passive check). */
    public synchronized int checkedServers() {
        return checkers.size();
    }

    /** Stops every checker; checks in flight are cancelled. */
    @Override
    public synchronized void close() {
        closed = true;
        checkers.values().forEach(ServerChecker::stop);
        checkers = new IdentityHashMap<>();
        probeTls = new IdentityHashMap<>();
    }
}
