package org.tandemlb.admin.importer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code tandem import}: an HAProxy configuration, and optionally a keepalived one, as a Tandem
 * file (docs/migrating.md). Whatever does not translate, or translates with a difference the user
 * must know, is a note: listed with its {@code file:line} at the top of the output and returned,
 * so that the command prints it on stderr too. Nothing is dropped silently.
 */
public final class Importer {

    /**
     * What an import gives.
     *
     * @param yaml      the Tandem file
     * @param notes     one line per note, {@code haproxy.cfg:12: TEXT -- REASON}, by file and line
     * @param variables the environment variables the file refers to (the cluster secret...)
     */
    public record Result(String yaml, List<String> notes, List<String> variables) {}

    private Importer() {}

    /**
     * Translates {@code haproxy}, and {@code keepalived} when not null. Files are named in the
     * notes as they are given here.
     *
     * @throws IOException when a file cannot be read
     */
    public static Result run(Path haproxy, Path keepalived) throws IOException {
        Notes notes = new Notes();
        TandemFile out = new TandemFile();
        String haproxyText = read(haproxy);
        String keepalivedText = keepalived == null ? null : read(keepalived);
        Path dir = haproxy.toAbsolutePath().getParent();
        new HaproxyTranslator(notes, dir).translate(HaproxyReader.read(haproxy.toString(), haproxyText), out);
        List<String> variables = new ArrayList<>();
        if (keepalived != null) {
            KeepalivedTranslator k = new KeepalivedTranslator(notes);
            k.translate(KeepalivedReader.read(keepalived.toString(), keepalivedText), out);
            variables.addAll(k.variables);
        }
        List<String> lines = notes.sorted().stream().map(Notes.Note::toString).toList();
        return new Result(YamlWriter.write(header(haproxy, keepalived, lines, variables), out), lines, variables);
    }

    private static String read(Path file) throws IOException {
        // Lenient: a stray Latin-1 byte in a comment must not stop an import.
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    }

    private static List<String> header(Path haproxy, Path keepalived, List<String> notes, List<String> variables) {
        List<String> h = new ArrayList<>();
        h.add("Imported by `tandem import` from " + haproxy + (keepalived == null ? "" : " and " + keepalived) + ".");
        h.add(
                "Check it with `tandem check -c FILE`. Every key: docs/configuration.md; the translation: docs/migrating.md.");
        if (!variables.isEmpty()) {
            h.add("Needs these environment variables (or write the values in): " + String.join(", ", variables) + ".");
        }
        h.add("");
        if (notes.isEmpty()) {
            h.add("Every line was translated.");
        } else {
            h.add("Not translated, or translated with a difference (" + notes.size() + "):");
            notes.forEach(n -> h.add("  " + n));
        }
        h.add("");
        return h;
    }
}
