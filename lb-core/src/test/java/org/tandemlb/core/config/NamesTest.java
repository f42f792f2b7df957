package org.tandemlb.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"web", "web-1", "db.primary", "A_b.9-z", "0", "."})
    void lettersDigitsUnderscoreDotAndDashAreValid(String name) {
        assertTrue(Names.isValid(name));
        assertEquals(name, Names.require("server", name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "web server", "web/1", "wéb", "web:80", "a'b", "web\n"})
    void anythingElseIsNot(String name) {
        assertFalse(Names.isValid(name));
    }

    @Test
    void requireSaysWhatIsNamedAndThePattern() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Names.require("backend", "web server"));
        assertEquals("backend name 'web server' must match [A-Za-z0-9_.-]+", e.getMessage());
        assertFalse(Names.isValid(null));
        assertEquals(
                "frontend name 'null' must match [A-Za-z0-9_.-]+",
                assertThrows(IllegalArgumentException.class, () -> Names.require("frontend", null))
                        .getMessage());
    }
}
