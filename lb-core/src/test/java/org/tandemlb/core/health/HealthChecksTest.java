package org.tandemlb.core.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.HealthCheckConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.PassiveCheckConfig;
import org.tandemlb.core.config.ServerConfig;

/** Which servers get checkers, on start and on reload, and how their first checks are spread; virtual time. */
class HealthChecksTest {
    private final ManualScheduler clock = new ManualScheduler();
    private final Map<Server, FakeCheck> probes = new IdentityHashMap<>();
    private final Map<Server, HealthCheckConfig> probeConfigs = new IdentityHashMap<>();

    private final CheckFactory factory = new CheckFactory() {
        @Override
        public CheckScheduler scheduler() {
            return clock;
        }

        @Override
        public Check check(Server server, HealthCheckConfig config, CheckScheduler scheduler) {
            FakeCheck c = new FakeCheck(clock);
            probes.put(server, c);
            probeConfigs.put(server, config);
            return c;
        }
    };

    private static final HealthCheckConfig HTTP = HealthCheckConfig.builder(HealthCheckConfig.Type.HTTP)
            .interval(Duration.ofSeconds(1))
            .rise(2)
            .fall(2)
            .build();

    private static BackendConfig.Builder backend(String name, String... servers) {
        BackendConfig.Builder b = BackendConfig.builder(name, Mode.HTTP);
        int port = 8001;
        for (String s : servers) {
            b.server(ServerConfig.builder(s, "127.0.0.1:" + port++).build());
        }
        return b;
    }

    private HealthChecks checks(Random random) {
        return new HealthChecks(factory, random::nextDouble, Clock.systemUTC());
    }

    @Test
    void checkersForServersOfBackendsWithAnActiveOrPassiveCheckOnly() {
        Backend checked =
                new Backend(backend("web", "w1", "w2").healthCheck(HTTP).build(), clock::nanoTime);
        Backend passive = new Backend(
                backend("app", "a1").passiveCheck(new PassiveCheckConfig(5)).build(), clock::nanoTime);
        Backend plain = new Backend(backend("static", "s1").build(), clock::nanoTime);
        try (HealthChecks hc = checks(new Random(1))) {
            hc.sync(List.of(checked, passive, plain));
            assertEquals(3, hc.checkedServers());
            assertEquals(
                    Set.of(checked.server("w1"), checked.server("w2"), passive.server("a1")),
                    Set.copyOf(probes.keySet()));
            assertEquals(
                    HealthCheckConfig.DEFAULT_TCP,
                    probeConfigs.get(passive.server("a1")),
                    "passive only: a tcp check with the default timings, to come back");
            clock.advance(Duration.ofSeconds(30));
            assertTrue(probes.get(checked.server("w1")).probes() >= 25);
            assertEquals(0, probes.get(passive.server("a1")).probes(), "not while up");
        }
    }

    @Test
    void aReloadKeepsTheCheckerAndHealthOfUnchangedServers() {
        Backend web = new Backend(backend("web", "w1", "w2").healthCheck(HTTP).build(), clock::nanoTime);
        try (HealthChecks hc = checks(new Random(2))) {
            hc.sync(List.of(web));
            Server w1 = web.server("w1");
            FakeCheck w1Probe = probes.get(w1);
            w1Probe.always(false);
            clock.advance(Duration.ofSeconds(3));
            assertFalse(w1.isUp());

            // Reload: w1 and w2 unchanged, w3 added.
            List<Server> dropped = web.update(
                    backend("web", "w1", "w2", "w3").healthCheck(HTTP).build());
            assertTrue(dropped.isEmpty());
            hc.sync(List.of(web));
            assertSame(w1, web.server("w1"));
            assertSame(w1Probe, probes.get(w1), "the same checker goes on");
            assertFalse(w1.isUp(), "and the server keeps its health");
            assertEquals(3, hc.checkedServers());
            Server w3 = web.server("w3");
            assertTrue(w3.isUp(), "a new server starts up");
            probes.get(w3).always(false);
            clock.advance(Duration.ofSeconds(1));
            assertFalse(w3.isUp(), "and its first failed check takes it down");
        }
    }

    @Test
    void aChangedCheckRestartsTheCheckerButTheServerKeepsItsHealth() {
        Backend web = new Backend(backend("web", "w1").healthCheck(HTTP).build(), clock::nanoTime);
        try (HealthChecks hc = checks(new Random(3))) {
            hc.sync(List.of(web));
            Server w1 = web.server("w1");
            FakeCheck old = probes.get(w1);
            old.always(false);
            clock.advance(Duration.ofSeconds(3));
            assertFalse(w1.isUp());
            int oldProbes = old.probes();

            HealthCheckConfig slower = HealthCheckConfig.builder(HealthCheckConfig.Type.HTTP)
                    .interval(Duration.ofSeconds(5))
                    .rise(2)
                    .build();
            web.update(backend("web", "w1").healthCheck(slower).build());
            hc.sync(List.of(web));
            FakeCheck fresh = probes.get(w1);
            assertNotSame(old, fresh);
            assertEquals(slower, probeConfigs.get(w1));
            clock.advance(Duration.ofSeconds(5));
            assertEquals(oldProbes, old.probes(), "the old checker stopped");
            assertEquals(1, fresh.probes());
            assertFalse(w1.isUp(), "still down: one success is not rise 2");
            clock.advance(Duration.ofSeconds(6));
            assertTrue(w1.isUp());
        }
    }

    @Test
    void removedServersAndRemovedChecksStopTheirCheckers() {
        Backend web = new Backend(backend("web", "w1", "w2").healthCheck(HTTP).build(), clock::nanoTime);
        try (HealthChecks hc = checks(new Random(4))) {
            hc.sync(List.of(web));
            Server w1 = web.server("w1");
            Server w2 = web.server("w2");
            probes.get(w1).always(false);
            clock.advance(Duration.ofSeconds(3));
            assertFalse(w1.isUp());

            web.update(backend("web", "w1").build()); // w2 removed, no check any more
            hc.sync(List.of(web));
            assertEquals(0, hc.checkedServers());
            assertTrue(w1.isUp(), "a server with no check is up");
            int p1 = probes.get(w1).probes();
            int p2 = probes.get(w2).probes();
            clock.advance(Duration.ofSeconds(10));
            assertEquals(p1, probes.get(w1).probes());
            assertEquals(p2, probes.get(w2).probes());
        }
    }

    @Test
    void closeStopsEveryChecker() {
        Backend web = new Backend(backend("web", "w1").healthCheck(HTTP).build(), clock::nanoTime);
        HealthChecks hc = checks(new Random(5));
        hc.sync(List.of(web));
        clock.advance(Duration.ofSeconds(3));
        int before = probes.get(web.server("w1")).probes();
        hc.close();
        clock.advance(Duration.ofSeconds(10));
        assertEquals(before, probes.get(web.server("w1")).probes());
        hc.sync(List.of(web));
        assertEquals(0, hc.checkedServers(), "closed for good");
    }

    /**
     * Hundreds of servers configured together are not checked in the same millisecond: their
     * first checks spread uniformly over the first interval, and later ones stay spread.
     */
    @Test
    void firstChecksOfHundredsOfServersAreSpreadOverTheInterval() {
        String[] names = new String[500];
        for (int i = 0; i < names.length; i++) {
            names[i] = "s" + i;
        }
        Backend web = new Backend(backend("web", names).healthCheck(HTTP).build(), clock::nanoTime);
        long origin = clock.nanoTime();
        try (HealthChecks hc = checks(new Random(6))) {
            hc.sync(List.of(web));
            clock.advance(Duration.ofMillis(999));
            TreeSet<Long> millis = new TreeSet<>();
            int[] perTenth = new int[10];
            for (FakeCheck c : probes.values()) {
                assertTrue(c.probes() >= 1, "each server checked in the first interval");
                long ms = (c.starts.get(0) - origin) / 1_000_000;
                assertTrue(ms < 1000);
                millis.add(ms);
                perTenth[(int) (ms / 100)]++;
            }
            assertTrue(millis.size() > 350, "500 first checks over 1000 distinct milliseconds: " + millis.size());
            for (int n : perTenth) {
                assertTrue(
                        n > 25 && n < 80, "about 50 per tenth of the interval: " + java.util.Arrays.toString(perTenth));
            }
            // Ten intervals later, the jitter has not bunched them up.
            clock.advance(Duration.ofSeconds(10));
            int[] lastSecond = new int[10];
            long from = clock.nanoTime() - Duration.ofSeconds(1).toNanos();
            for (FakeCheck c : probes.values()) {
                for (long t : c.starts) {
                    if (t >= from) {
                        lastSecond[(int) ((t - from) / 100_000_000L)]++;
                    }
                }
            }
            for (int n : lastSecond) {
                assertTrue(n > 20 && n < 90, "still spread: " + java.util.Arrays.toString(lastSecond));
            }
        }
    }
}
