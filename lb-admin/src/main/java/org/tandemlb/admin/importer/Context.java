package org.tandemlb.admin.importer;

import java.nio.file.Path;

/**
 * What the translators of one HAProxy file share: the notes, and the global settings that
 * change how file names are read ({@code crt-base}, {@code ca-base}, {@code default-path}).
 */
final class Context {

    final Notes notes;
    /** The directory relative file names start from: the configuration's, as {@code default-path config}. */
    Path baseDir;

    String crtBase;
    String caBase;

    Context(Notes notes, Path baseDir) {
        this.notes = notes;
        this.baseDir = baseDir;
    }

    /** A certificate or CA file name as an absolute path, under {@code base} when relative. */
    String file(String name, String base) {
        Path p = Path.of(name);
        if (!p.isAbsolute() && base != null) {
            p = Path.of(base).resolve(p);
        }
        if (!p.isAbsolute()) {
            p = baseDir.resolve(p);
        }
        return p.normalize().toString();
    }
}
