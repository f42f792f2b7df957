package org.tandemlb.admin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestionsTest {

    private static final List<String> CHECK_KEYS = List.of(
            "type", "interval", "timeout", "rise", "fall", "fast_interval", "down_interval", "method", "path", "host");

    @Test
    void aMisspeltKeyGetsTheClosestKnownOne() {
        assertEquals("; did you mean 'interval'?", Suggestions.didYouMean("intervall", CHECK_KEYS));
        assertEquals("interval", Suggestions.closest("itnerval", CHECK_KEYS), "a swap of neighbours is one edit");
        assertEquals("timeout", Suggestions.closest("timout", CHECK_KEYS));
        assertEquals("fast_interval", Suggestions.closest("fast-interval", CHECK_KEYS));
        assertEquals("method", Suggestions.closest("METHOD", CHECK_KEYS), "case is ignored");
    }

    @Test
    void theNearestWinsOverAFartherOneListedFirst() {
        // "pat" and "internal" are two edits away, "path" and "interval" one.
        assertEquals("path", Suggestions.closest("pth", List.of("pat", "path")));
        assertEquals("interval", Suggestions.closest("intervl", List.of("internal", "interval")));
        assertEquals("host", Suggestions.closest("hast", List.of("host", "fast")), "of equally near, the first");
    }

    @Test
    void nothingWhenNothingIsWithinTwoEdits() {
        assertNull(Suggestions.closest("healthcheck", CHECK_KEYS));
        assertEquals("", Suggestions.didYouMean("weight", CHECK_KEYS));
        assertEquals("", Suggestions.didYouMean("anything", List.of()));
        assertEquals("; did you mean 'web'?", Suggestions.didYouMean("wbe", List.of("web", "db")));
        assertEquals("", Suggestions.didYouMean("xyz", List.of("web", "db")), "three edits is too far");
    }

    @Test
    void distanceCountsInsertionsDeletionsSubstitutionsAndSwaps() {
        assertEquals(0, Suggestions.distance("rise", "rise"));
        assertEquals(1, Suggestions.distance("rise", "rises"));
        assertEquals(1, Suggestions.distance("rise", "ris"));
        assertEquals(1, Suggestions.distance("rise", "rose"));
        assertEquals(1, Suggestions.distance("rise", "irse"));
        assertEquals(3, Suggestions.distance("", "abc"));
    }
}
