package org.tandemlb.admin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.config.LimitsConfig;

/** The frontend key {@code limits} and the top-level {@code max_connections}: defaults, values, mistakes. */
class LimitsRulesTest {
    private static TandemConfig config(String top, String frontendLines) throws ConfigException {
        return ConfigLoader.parse("t.yaml", top + """
                frontends:
                  - name: www
                    bind: 127.0.0.1:8080
                    default_backend: web
                """ + frontendLines + """
                backends:
                  - name: web
                """, Map.of());
    }

    private static LimitsConfig limits(String frontendLines) throws ConfigException {
        return config("", frontendLines).loadBalancer().frontend("www").limits();
    }

    private static List<String> problems(String yaml) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("t.yaml", yaml, Map.of()));
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void defaultsAreHaproxyLikeAndUnlimitedPerClient() throws Exception {
        LimitsConfig l = limits("");
        assertEquals(LimitsConfig.DEFAULTS, l);
        assertEquals(16 * 1024, l.maxHeaderSize());
        assertEquals(100, l.maxHeaders());
        assertEquals(8 * 1024, l.maxUriLength());
        assertEquals(0, l.maxBodySize());
        assertEquals(0, l.minBodyRate());
        assertEquals(LimitsConfig.PerClient.NONE, l.perClient());
        assertEquals(0, config("", "").loadBalancer().maxConnections());
    }

    @Test
    void valuesAreRead() throws Exception {
        TandemConfig c = config("max_connections: 50000\n", """
                    limits:
                      max_header_size: 32KiB
                      max_headers: 50
                      max_uri_length: 2048
                      max_body_size: 10MiB
                      min_body_rate: 1KiB/s
                      per_client: { connections: 20, requests_per_second: 100 }
                """);
        assertEquals(
                new LimitsConfig(32 * 1024, 50, 2048, 10L << 20, 1024, new LimitsConfig.PerClient(20, 100)),
                c.loadBalancer().frontend("www").limits());
        assertEquals(50000, c.loadBalancer().maxConnections());
    }

    @Test
    void minBodyRateIsASizeASecond() throws Exception {
        assertEquals(500, limits("    limits: { min_body_rate: 500 }\n").minBodyRate());
        assertEquals(2048, limits("    limits: { min_body_rate: 2KiB }\n").minBodyRate());
        assertEquals(
                List.of("t.yaml:5:30: frontends.www.limits.min_body_rate: must be at least 1 byte a second, like"
                        + " 1KiB/s (leave min_body_rate out for no minimum)"),
                problems("""
                        frontends:
                          - name: www
                            bind: 127.0.0.1:8080
                            default_backend: web
                            limits: { min_body_rate: 0/s }
                        backends:
                          - name: web
                        """));
        assertEquals(
                List.of("t.yaml:5:30: frontends.www.limits.min_body_rate: 'fast' is not a size like 512, 16KiB, 1MiB"
                        + " or 1GiB"),
                problems("""
                        frontends:
                          - name: www
                            bind: 127.0.0.1:8080
                            default_backend: web
                            limits: { min_body_rate: fast }
                        backends:
                          - name: web
                        """));
    }

    @Test
    void mistakesAreReportedWithTheirPositionsAndTheAllowedRange() {
        assertEquals(
                List.of(
                        "t.yaml:1:18: max_connections: -1 is out of range: use 0 or more",
                        "t.yaml:7:24: frontends.www.limits.max_header_size: 512 is out of range: use 1KiB to 1MiB",
                        "t.yaml:8:20: frontends.www.limits.max_headers: 0 is out of range: use 1 to 10000",
                        "t.yaml:9:23: frontends.www.limits.max_uri_length: '8 KB' is not a size like 512, 16KiB,"
                                + " 1MiB or 1GiB",
                        "t.yaml:10:22: frontends.www.limits.max_body_size: must be at least 1 byte (leave"
                                + " max_body_size out for no limit)",
                        "t.yaml:11:34: frontends.www.limits.per_client.connections: 0 is out of range: use 1 to"
                                + " 1000000",
                        "t.yaml:11:37: frontends.www.limits.per_client: unknown key 'rps'"),
                problems("""
                        max_connections: -1
                        frontends:
                          - name: www
                            bind: 127.0.0.1:8080
                            default_backend: web
                            limits:
                              max_header_size: 512
                              max_headers: 0
                              max_uri_length: 8 KB
                              max_body_size: 0
                              per_client: { connections: 0, rps: 5 }
                        backends:
                          - name: web
                        """));
    }

    @Test
    void requestLimitsNeedHttpMode() {
        assertEquals(
                List.of(
                        "t.yaml:7:7: frontends.db.limits.max_body_size: max_body_size needs mode http; this frontend"
                                + " is in tcp mode",
                        "t.yaml:8:7: frontends.db.limits.min_body_rate: min_body_rate needs mode http; this frontend"
                                + " is in tcp mode",
                        "t.yaml:9:37: frontends.db.limits.per_client.requests_per_second: requests_per_second needs"
                                + " mode http; this frontend is in tcp mode"),
                problems("""
                        frontends:
                          - name: db
                            mode: tcp
                            bind: 127.0.0.1:3306
                            default_backend: db
                            limits:
                              max_body_size: 1MiB
                              min_body_rate: 1KiB
                              per_client: { connections: 5, requests_per_second: 5 }
                        backends:
                          - name: db
                            mode: tcp
                        """));
    }
}
