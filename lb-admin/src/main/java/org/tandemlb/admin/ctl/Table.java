package org.tandemlb.admin.ctl;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A plain-text table with aligned columns, for {@code tandem ctl}: numbers right-aligned, cells
 * that start with a word of the status page (up, down, drain, ...) in its colours when
 * {@code colour} is on. The
 * widths are measured on the text without the colour codes, so the columns line up either way.
 */
final class Table {
    private static final String RESET = "\u001b[0m";
    private static final String GREEN = "\u001b[32m";
    private static final String RED = "\u001b[31m";
    private static final String YELLOW = "\u001b[33m";
    private static final String GREY = "\u001b[90m";
    private static final String BLUE = "\u001b[34m";
    private static final String BOLD = "\u001b[1m";

    /** The status page's colours: health, admin state, cluster role, check result. */
    private static final Map<String, String> COLOURS = Map.ofEntries(
            Map.entry("up", GREEN),
            Map.entry("down", RED),
            Map.entry("ready", GREEN),
            Map.entry("drain", YELLOW),
            Map.entry("maint", GREY),
            Map.entry("active", GREEN),
            Map.entry("standby", BLUE),
            Map.entry("solo", GREY),
            Map.entry("joining", YELLOW),
            Map.entry("passed", GREEN),
            Map.entry("failed", RED));

    private final List<String> headers;
    private final boolean[] numeric;
    private final List<List<String>> rows = new ArrayList<>();

    /** A table with these column headers; a header starting with {@code #} is a numeric column (the # is dropped). */
    Table(String... headers) {
        this.headers = new ArrayList<>();
        this.numeric = new boolean[headers.length];
        for (int i = 0; i < headers.length; i++) {
            numeric[i] = headers[i].startsWith("#");
            this.headers.add(numeric[i] ? headers[i].substring(1) : headers[i]);
        }
    }

    /** Adds a row; a null cell prints as {@code -}. */
    Table row(Object... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException("a row of " + cells.length + " cells in a table of " + headers.size());
        }
        List<String> row = new ArrayList<>();
        for (Object c : cells) {
            row.add(c == null ? "-" : c.toString());
        }
        rows.add(row);
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    /** Prints the header and the rows, two spaces between columns, no trailing spaces. */
    void print(PrintWriter out, boolean colour) {
        int[] width = new int[headers.size()];
        for (int i = 0; i < width.length; i++) {
            width[i] = headers.get(i).length();
            for (List<String> row : rows) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        }
        line(out, headers, width, colour, true);
        for (List<String> row : rows) {
            line(out, row, width, colour, false);
        }
    }

    private void line(PrintWriter out, List<String> cells, int[] width, boolean colour, boolean header) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String text = cells.get(i);
            String pad = " ".repeat(width[i] - text.length());
            boolean last = i == cells.size() - 1;
            if (i > 0) {
                b.append("  ");
            }
            if (numeric[i]) {
                b.append(pad);
            }
            b.append(paint(text, colour ? (header ? BOLD : COLOURS.get(firstWord(text))) : null));
            if (!numeric[i] && !last) {
                b.append(pad);
            }
        }
        out.println(b.toString().stripTrailing());
    }

    /** A cell is coloured after its first word: "failed: connection refused" in red. */
    private static String firstWord(String text) {
        int end = 0;
        while (end < text.length() && Character.isLetter(text.charAt(end))) {
            end++;
        }
        return text.substring(0, end);
    }

    /** {@code text} in {@code code}'s colour, or as it is when {@code code} is null. */
    static String paint(String text, String code) {
        return code == null ? text : code + text + RESET;
    }

    /** {@code word} in its status-page colour when {@code colour} is on. */
    static String word(String word, boolean colour) {
        return colour ? paint(word, COLOURS.get(word)) : word;
    }
}
