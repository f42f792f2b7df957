package org.tandemlb.admin.importer;

import java.util.List;

/**
 * One line of an imported file, cut into words: where it is ({@code haproxy.cfg:12}), its words
 * with quotes and escapes resolved, and its text as written (for the notes).
 */
record Directive(String file, int line, List<String> words, String text) {

    Directive {
        words = List.copyOf(words);
    }

    /** {@code FILE:LINE}, as the notes and the comments of the output cite it. */
    String where() {
        return file + ":" + line;
    }

    /** The keyword, the first word. */
    String keyword() {
        return words.get(0);
    }

    /** Word {@code i}, or "" past the end. */
    String word(int i) {
        return i < words.size() ? words.get(i) : "";
    }

    int size() {
        return words.size();
    }
}
