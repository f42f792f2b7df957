package org.tandemlb.core.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeaderRuleTest {
    private static String refused(HeaderRule.Op op, String name, String value) {
        return assertThrows(IllegalArgumentException.class, () -> new HeaderRule(op, name, value))
                .getMessage();
    }

    @Test
    void framingAndConnectionHeadersCannotBeTouched() {
        for (String name :
                List.of("Content-Length", "transfer-encoding", "Connection", "Keep-Alive", "Upgrade", "TE")) {
            assertTrue(refused(HeaderRule.Op.SET, name, "x").contains("Tandem writes itself"), name);
            assertTrue(refused(HeaderRule.Op.DELETE, name, null).contains("Tandem writes itself"), name);
        }
        HeaderRule host = new HeaderRule(HeaderRule.Op.SET, "Host", "internal.example.com");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, host::checkResponseSide);
        assertTrue(e.getMessage().contains("request header"));
        assertThrows(
                IllegalArgumentException.class,
                () -> new HttpRules(List.of(), List.of(host), null, Map.of()),
                "Host on the response side");
        assertDoesNotThrow(() -> new HttpRules(List.of(host), List.of(), null, Map.of()), "Host on the request side");
    }

    @Test
    void valuesHoldKnownPlaceholdersAndNoControlCharacters() {
        assertDoesNotThrow(() -> new HeaderRule(
                HeaderRule.Op.ADD, "X-Trace", "{client_ip} {request_id} {frontend} {server} {tls_version}"));
        assertTrue(refused(HeaderRule.Op.SET, "X-A", "{clientip}").contains("unknown placeholder {clientip}"));
        assertTrue(refused(HeaderRule.Op.SET, "X-A", "{client_ip").contains("unknown placeholder"));
        assertTrue(refused(HeaderRule.Op.SET, "X-A", "a}").contains("'}' without '{'"));
        assertTrue(refused(HeaderRule.Op.SET, "X-A", "a\r\nX-Injected: 1").contains("control"));
        assertTrue(refused(HeaderRule.Op.SET, "X-A", "a\0b").contains("control"));
        assertTrue(refused(HeaderRule.Op.SET, "X A", "b").contains("not a header name"));
        assertTrue(refused(HeaderRule.Op.DELETE, "X-A", "b").contains("delete takes a header name only"));
    }

    @Test
    void aRequestIdIsOnlyAFrontendsAndNeverAFramingHeader() {
        assertThrows(
                IllegalArgumentException.class, () -> new HttpRules(List.of(), List.of(), "Content-Length", Map.of()));
        assertThrows(
                IllegalArgumentException.class,
                () -> BackendConfig.builder("b", Mode.HTTP)
                        .rules(new HttpRules(List.of(), List.of(), "X-Request-Id", Map.of()))
                        .build());
        assertThrows(
                IllegalArgumentException.class,
                () -> BackendConfig.builder("b", Mode.TCP)
                        .rules(new HttpRules(
                                List.of(new HeaderRule(HeaderRule.Op.DELETE, "X-A", null)), List.of(), null, Map.of()))
                        .build(),
                "tcp mode has no headers");
    }
}
