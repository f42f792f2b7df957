package org.tandemlb.admin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Balance;
import org.tandemlb.core.config.HashPolicy;
import org.tandemlb.core.config.PersistenceConfig;

/** {@code balance: { hash: KEY, bound: FACTOR }} and {@code persistence}, each problem as {@code tandem check} prints it. */
class BalanceRulesTest {

    private static BackendConfig backend(String balance) throws ConfigException {
        return ConfigLoader.parse("t.yaml", """
                        backends:
                          - name: web
                            balance: %s
                        """.formatted(balance), Map.of())
                .loadBalancer()
                .backend("web");
    }

    private static List<String> problems(String yaml) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("t.yaml", yaml, Map.of()));
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void eachKeyAndTheBoundLoad() throws Exception {
        assertEquals(
                new HashPolicy(HashPolicy.Source.URI, null, 0),
                backend("{ hash: uri }").hash());
        assertEquals(
                new HashPolicy(HashPolicy.Source.HEADER, "X-User", 1.25),
                backend("{ hash: \"header:X-User\", bound: 1.25 }").hash());
        assertEquals(
                new HashPolicy(HashPolicy.Source.QUERY, "id", 0),
                backend("{ hash: \"query:id\" }").hash());
        BackendConfig cookie = backend("{ hash: \"cookie:SESSION\", bound: 2 }");
        assertEquals(Balance.HASH, cookie.balance());
        assertEquals(new HashPolicy(HashPolicy.Source.COOKIE, "SESSION", 2), cookie.hash());
        assertNull(backend("leastconn").hash(), "the other algorithms stay plain names");
    }

    @Test
    void aBadKeyABadBoundAndTcpModeAreErrorsAtTheirLine() {
        assertEquals(
                List.of(
                        "t.yaml:3:22: backends.web.balance.hash: unknown hash key 'url'; use uri, header:NAME, query:NAME or cookie:NAME"),
                problems("""
                        backends:
                          - name: web
                            balance: { hash: url }
                        """));
        assertEquals(
                List.of("t.yaml:3:34: backends.web.balance.bound: must be at least 1.0 (e.g. 1.25) and at most 100"),
                problems("""
                        backends:
                          - name: web
                            balance: { hash: uri, bound: 0.5 }
                        """));
        assertEquals(
                List.of("t.yaml:2:5: backends.web: backend web: hash balancing reads the request and needs mode http "
                        + "(source hashes a tcp client's address)"),
                problems("""
                        backends:
                          - name: web
                            mode: tcp
                            balance: { hash: "header:X-User" }
                        """));
        assertEquals(
                List.of(
                        "t.yaml:3:14: backends.web.balance: 'hash' is required (balance as a mapping is hash balancing: "
                                + "{ hash: uri | header:NAME | query:NAME | cookie:NAME })"),
                problems("""
                        backends:
                          - name: web
                            balance: { bound: 1.25 }
                        """));
    }

    @Test
    void persistenceLoadsWithItsDefaultsAndRefusesABadMode() throws Exception {
        BackendConfig b =
                ConfigLoader.parse("t.yaml", """
                        backends:
                          - name: web
                            persistence: { cookie: SRV }
                        """, Map.of()).loadBalancer().backend("web");
        assertEquals(PersistenceConfig.insert("SRV"), b.persistence());
        BackendConfig prefix =
                ConfigLoader.parse("t.yaml", """
                        backends:
                          - name: web
                            persistence: { cookie: JSESSIONID, mode: prefix, nocache: false, secure: never }
                        """, Map.of()).loadBalancer().backend("web");
        assertEquals(
                new PersistenceConfig(
                        "JSESSIONID", PersistenceConfig.Mode.PREFIX, false, true, PersistenceConfig.Secure.NEVER),
                prefix.persistence());
        assertEquals(
                List.of("t.yaml:3:39: backends.web.persistence.mode: 'sticky' is not one of insert, prefix, rewrite"),
                problems("""
                        backends:
                          - name: web
                            persistence: { cookie: SRV, mode: sticky }
                        """));
        assertEquals(
                List.of("t.yaml:2:5: backends.web: backend web: cookie persistence needs mode http"), problems("""
                        backends:
                          - name: web
                            mode: tcp
                            persistence: { cookie: SRV }
                        """));
    }

    @Test
    void persistenceMaxIdleTakesALifetimeOfASecondOrMoreInInsertModeOnly() throws Exception {
        BackendConfig b =
                ConfigLoader.parse("t.yaml", """
                        backends:
                          - name: web
                            persistence: { cookie: SRV, max_idle: 7d }
                        """, Map.of()).loadBalancer().backend("web");
        assertEquals(PersistenceConfig.insert("SRV").withMaxIdle(Duration.ofDays(7)), b.persistence());
        assertEquals(
                List.of("t.yaml:3:43: backends.web.persistence.max_idle: must be at least 1s (the cookie's date is"
                        + " in seconds)"),
                problems("""
                        backends:
                          - name: web
                            persistence: { cookie: SRV, max_idle: 500ms }
                        """));
        assertEquals(
                List.of("t.yaml:3:43: backends.web.persistence.max_idle: 'soon' is not a lifetime like 1y, 180d or"
                        + " 12h"),
                problems("""
                        backends:
                          - name: web
                            persistence: { cookie: SRV, max_idle: soon }
                        """));
        assertEquals(
                List.of("t.yaml:3:57: backends.web.persistence.max_idle: needs mode insert: in prefix mode the server"
                        + " sets the cookie, so Tandem has no date to refresh"),
                problems("""
                        backends:
                          - name: web
                            persistence: { cookie: SRV, mode: prefix, max_idle: 1h }
                        """));
    }
}
