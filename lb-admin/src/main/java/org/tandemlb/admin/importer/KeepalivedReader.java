package org.tandemlb.admin.importer;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads a keepalived configuration into a tree of {@link Block}s. Words are separated by blanks;
 * {@code !} and {@code #} start comments; {@code "..."} quotes; <code>{</code> opens a block
 * under the words before it (on the same line or the line before) and <code>}</code> closes it.
 */
final class KeepalivedReader {

    /** One statement: its words and, when it opens a block, the statements inside. */
    record Block(Directive directive, List<Block> children) {
        String keyword() {
            return directive.keyword();
        }
    }

    private KeepalivedReader() {}

    /** The top-level statements of {@code text}. */
    static List<Block> read(String file, String text) {
        List<List<Block>> stack = new ArrayList<>();
        stack.add(new ArrayList<>());
        Block last = null;
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            List<String> current = new ArrayList<>();
            for (String w : tokens(lines[i])) {
                if (w.equals("{") || w.equals("}")) {
                    if (!current.isEmpty()) {
                        last = add(stack, file, i + 1, current, lines[i]);
                        current = new ArrayList<>();
                    }
                    if (w.equals("{")) {
                        // The block belongs to the statement just before it: "name {" or "name\n{".
                        List<Block> children = new ArrayList<>();
                        if (last == null) {
                            last = add(stack, file, i + 1, List.of("{"), lines[i]);
                        }
                        List<Block> siblings = stack.get(stack.size() - 1);
                        siblings.set(siblings.size() - 1, new Block(last.directive(), children));
                        stack.add(children);
                        last = null;
                    } else if (stack.size() > 1) {
                        stack.remove(stack.size() - 1);
                        last = null;
                    }
                } else {
                    current.add(w);
                }
            }
            if (!current.isEmpty()) {
                last = add(stack, file, i + 1, current, lines[i]);
            }
        }
        return stack.get(0);
    }

    private static Block add(List<List<Block>> stack, String file, int line, List<String> words, String text) {
        Block b = new Block(new Directive(file, line, words, text.strip()), List.of());
        stack.get(stack.size() - 1).add(b);
        return b;
    }

    /** The words of a line, braces as words of their own. */
    static List<String> tokens(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder word = null;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '!' || c == '#') {
                break;
            }
            if (c == '"') {
                StringBuilder quoted = word == null ? new StringBuilder() : word;
                for (i++; i < line.length() && line.charAt(i) != '"'; i++) {
                    quoted.append(line.charAt(i));
                }
                word = quoted;
            } else if (Character.isWhitespace(c) || c == '{' || c == '}') {
                if (word != null) {
                    out.add(word.toString());
                    word = null;
                }
                if (c == '{' || c == '}') {
                    out.add(String.valueOf(c));
                }
            } else {
                if (word == null) {
                    word = new StringBuilder();
                }
                word.append(c);
            }
        }
        if (word != null) {
            out.add(word.toString());
        }
        return out;
    }
}
