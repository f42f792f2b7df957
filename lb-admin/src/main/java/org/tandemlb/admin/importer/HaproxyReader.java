package org.tandemlb.admin.importer;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Cuts an HAProxy configuration into sections of {@link Directive}s. Words are separated by blanks;
 * {@code #} starts a comment outside quotes; {@code "..."} (with escapes) and {@code '...'} (taken
 * as written) quote; a backslash outside single quotes escapes the next character, {@code \r},
 * {@code \n} and {@code \t} giving the control characters, as HAProxy's parser does.
 */
final class HaproxyReader {

    /** The section keywords of HAProxy 2.x: a line starting with one of them opens a section. */
    static final Set<String> SECTIONS = Set.of(
            "global",
            "defaults",
            "frontend",
            "backend",
            "listen",
            "peers",
            "resolvers",
            "userlist",
            "cache",
            "mailers",
            "program",
            "http-errors",
            "ring",
            "log-forward",
            "fcgi-app");

    /** A section: its keyword, its name ("" for none), the line that opened it and its body. */
    record Section(String kind, String name, Directive header, List<Directive> body) {}

    private HaproxyReader() {}

    /**
     * The sections of {@code text}; lines before the first section are returned in a section of
     * kind "" so that they are reported, not lost.
     */
    static List<Section> read(String file, String text) {
        List<Section> sections = new ArrayList<>();
        List<Directive> body = new ArrayList<>();
        String kind = "";
        String name = "";
        Directive header = null;
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            List<String> words = words(lines[i]);
            if (words.isEmpty()) {
                continue;
            }
            Directive d = new Directive(file, i + 1, words, withoutComment(lines[i]));
            if (SECTIONS.contains(words.get(0))) {
                if (header != null || !body.isEmpty()) {
                    sections.add(new Section(kind, name, header, body));
                }
                kind = words.get(0);
                name = words.size() > 1 ? words.get(1) : "";
                header = d;
                body = new ArrayList<>();
            } else {
                body.add(d);
            }
        }
        if (header != null || !body.isEmpty()) {
            sections.add(new Section(kind, name, header, body));
        }
        return sections;
    }

    /** The words of one line. */
    static List<String> words(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        int n = line.length();
        for (int i = 0; i < n; i++) {
            char c = line.charAt(i);
            if (c == '#') {
                break;
            }
            if (Character.isWhitespace(c)) {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
                continue;
            }
            if (word == null) {
                word = new StringBuilder();
            }
            if (c == '\\' && i + 1 < n) {
                word.append(unescape(line.charAt(++i)));
            } else if (c == '"') {
                for (i++; i < n && line.charAt(i) != '"'; i++) {
                    char q = line.charAt(i);
                    if (q == '\\' && i + 1 < n) {
                        word.append(unescape(line.charAt(++i)));
                    } else {
                        word.append(q);
                    }
                }
            } else if (c == '\'') {
                for (i++; i < n && line.charAt(i) != '\''; i++) {
                    word.append(line.charAt(i));
                }
            } else {
                word.append(c);
            }
        }
        if (word != null) {
            words.add(word.toString());
        }
        return words;
    }

    /** The line as written, without its comment and with runs of blanks as one space, for the notes. */
    static String withoutComment(String line) {
        boolean dq = false;
        boolean sq = false;
        int end = line.length();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && !sq) {
                i++;
            } else if (c == '"' && !sq) {
                dq = !dq;
            } else if (c == '\'' && !dq) {
                sq = !sq;
            } else if (c == '#' && !dq && !sq) {
                end = i;
                break;
            }
        }
        return line.substring(0, end).strip().replaceAll("\\s+", " ");
    }

    /**
     * What {@code \c} stands for: HAProxy replaces {@code \\}, {@code \ }, {@code \#}, quotes,
     * {@code \r}, {@code \n} and {@code \t}, and leaves other pairs as written, so a regular
     * expression's {@code \.} keeps its backslash.
     */
    private static String unescape(char c) {
        return switch (c) {
            case 'r' -> "\r";
            case 'n' -> "\n";
            case 't' -> "\t";
            case '\\', ' ', '#', '"', '\'' -> String.valueOf(c);
            default -> "\\" + c;
        };
    }
}
