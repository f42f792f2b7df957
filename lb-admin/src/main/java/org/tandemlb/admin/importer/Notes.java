package org.tandemlb.admin.importer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an import could not translate, or translated with a difference the user must know: one
 * note per line of the input (the first reason given for a line wins, so a {@code defaults} line
 * inherited by ten proxies is listed once).
 */
final class Notes {

    /** One note: where, what was written there, and why it is not (fully) in the output. */
    record Note(String file, int line, String text, String reason) {
        @Override
        public String toString() {
            return file + ":" + line + ": " + text + " -- " + reason;
        }
    }

    private final Map<String, Note> notes = new LinkedHashMap<>();

    /** Notes {@code d}, not translated for {@code reason}. */
    void add(Directive d, String reason) {
        notes.putIfAbsent(d.where() + "\0" + reason, new Note(d.file(), d.line(), d.text(), reason));
    }

    /** Whether {@code d} has a note already. */
    boolean has(Directive d) {
        return notes.keySet().stream().anyMatch(k -> k.startsWith(d.where() + "\0"));
    }

    /** The notes by file (in the order files were first seen) and line. */
    List<Note> sorted() {
        List<String> files = new ArrayList<>();
        notes.values().forEach(n -> {
            if (!files.contains(n.file())) {
                files.add(n.file());
            }
        });
        List<Note> out = new ArrayList<>(notes.values());
        out.sort((a, b) -> a.file().equals(b.file())
                ? Integer.compare(a.line(), b.line())
                : Integer.compare(files.indexOf(a.file()), files.indexOf(b.file())));
        return out;
    }
}
