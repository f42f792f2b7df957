package org.tandemlb.admin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.config.Http2Config;

/** The frontend keys {@code h2c} and {@code http2}: defaults, values, and their mistakes. */
class Http2RulesTest {
    private static Http2Config http2(String frontendLines) throws ConfigException {
        return ConfigLoader.parse("t.yaml", """
                frontends:
                  - name: www
                    bind: 127.0.0.1:8080
                    default_backend: web
                """ + frontendLines + """
                backends:
                  - name: web
                """, Map.of())
                .loadBalancer()
                .frontend("www")
                .http2();
    }

    private static List<String> problems(String yaml) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("t.yaml", yaml, Map.of()));
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void h2cIsOffByDefaultWithHaproxyLikeLimits() throws Exception {
        Http2Config c = http2("");
        assertFalse(c.h2c());
        assertEquals(Http2Config.DEFAULTS, c);
        assertEquals(100, c.maxConcurrentStreams());
    }

    @Test
    void h2cAndLimitsAreRead() throws Exception {
        Http2Config c = http2("""
                    h2c: true
                    http2:
                      max_concurrent_streams: 50
                      initial_window_size: 1048576
                      header_table_size: 8192
                      max_header_list_size: 32768
                      max_resets: 100
                      reset_window: 10s
                """);
        assertTrue(c.h2c());
        assertEquals(new Http2Config(true, 50, 1048576, 8192, 32768, 100, Duration.ofSeconds(10)), c);
    }

    @Test
    void mistakesAreReportedWithTheirPositions() {
        assertEquals(
                List.of(
                        "t.yaml:5:10: frontends.www.h2c: 'yes' is not true or false",
                        "t.yaml:7:31: frontends.www.http2.max_concurrent_streams: 0 is out of range: use 1 or more",
                        "t.yaml:8:7: frontends.www.http2: unknown key 'max_streams'"),
                problems("""
                        frontends:
                          - name: www
                            bind: 127.0.0.1:8080
                            default_backend: web
                            h2c: yes
                            http2:
                              max_concurrent_streams: 0
                              max_streams: 1
                        backends:
                          - name: web
                        """));
    }

    @Test
    void h2cNeedsHttpMode() {
        assertEquals(
                List.of("t.yaml:6:5: frontends.db.h2c: h2c needs mode http; this frontend is in tcp mode"),
                problems("""
                        frontends:
                          - name: db
                            mode: tcp
                            bind: 127.0.0.1:3306
                            default_backend: db
                            h2c: true
                        backends:
                          - name: db
                            mode: tcp
                        """));
    }
}
