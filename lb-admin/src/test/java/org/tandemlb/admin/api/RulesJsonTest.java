package org.tandemlb.admin.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tandemlb.admin.api.StatusDocument.BackendJson;
import org.tandemlb.admin.api.StatusDocument.RulesJson;
import org.tandemlb.core.config.ErrorPage;
import org.tandemlb.core.config.HeaderRule;
import org.tandemlb.core.config.HttpRules;
import org.tandemlb.core.config.PersistenceConfig;
import org.tandemlb.core.config.PersistenceConfig.Mode;
import org.tandemlb.core.config.PersistenceConfig.Secure;

/** The {@code rules} of a frontend or backend in the status, and a backend's {@code persistence}. */
class RulesJsonTest {
    @Test
    void nothingToShowIsNull() {
        assertNull(RulesJson.of(0, HttpRules.NONE));
        assertNull(RulesJson.of(null, HttpRules.NONE));
    }

    @Test
    void countsTheRulesAndNamesThePages() {
        HttpRules rules = new HttpRules(
                List.of(new HeaderRule(HeaderRule.Op.DELETE, "X-Debug", null)),
                List.of(
                        new HeaderRule(HeaderRule.Op.SET, "X-Served-By", "{server}"),
                        new HeaderRule(HeaderRule.Op.DELETE, "Server", null)),
                "X-Request-Id",
                Map.of(503, ErrorPage.parse(503, "down".getBytes(StandardCharsets.US_ASCII), "/etc/tandem/503.html")));
        assertEquals(
                new RulesJson(3, "X-Request-Id", 1, 2, Map.of("503", "/etc/tandem/503.html")), RulesJson.of(3, rules));
        assertEquals(new RulesJson(2, null, 0, 0, Map.of()), RulesJson.of(2, HttpRules.NONE), "routes alone");
    }

    @Test
    void persistenceIsWrittenAsTheConfigFileWritesIt() {
        assertNull(BackendJson.persistence(null));
        assertEquals(
                "cookie SRV insert",
                BackendJson.persistence(new PersistenceConfig("SRV", Mode.INSERT, true, true, Secure.AUTO)));
        assertEquals(
                "cookie JSESSIONID prefix",
                BackendJson.persistence(new PersistenceConfig("JSESSIONID", Mode.PREFIX, false, true, Secure.AUTO)));
        assertEquals(
                "cookie SRV insert, max_idle 1h30m",
                BackendJson.persistence(
                        new PersistenceConfig("SRV", Mode.INSERT, true, true, Secure.AUTO, Duration.ofMinutes(90))));
    }
}
