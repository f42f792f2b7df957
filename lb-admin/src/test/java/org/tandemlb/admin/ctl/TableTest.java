package org.tandemlb.admin.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class TableTest {

    private static String print(Table t, boolean colour) {
        StringWriter s = new StringWriter();
        t.print(new PrintWriter(s, true), colour);
        return s.toString();
    }

    private static Table servers() {
        return new Table("SERVER", "HEALTH", "#WEIGHT", "LAST CHECK")
                .row("web1", "up", 100, "passed: 200 (2 ms)")
                .row("web22", "down", 5, null);
    }

    @Test
    void columnsAlignNumbersToTheRightAndNullIsADash() {
        assertEquals("""
                SERVER  HEALTH  WEIGHT  LAST CHECK
                web1    up         100  passed: 200 (2 ms)
                web22   down         5  -
                """, print(servers(), false));
    }

    @Test
    void colourPaintsTheStatusWordsAndKeepsTheColumnsAligned() {
        String coloured = print(servers(), true);

        assertEquals(print(servers(), false), coloured.replaceAll("\u001b\\[[0-9;]*m", ""));
        assertEquals(
                "web1    \u001b[32mup\u001b[0m         100  \u001b[32mpassed: 200 (2 ms)\u001b[0m",
                coloured.lines().toList().get(1));
        assertEquals(
                "web22   \u001b[31mdown\u001b[0m         5  -",
                coloured.lines().toList().get(2));
    }
}
