package org.tandemlb.admin.config;

import java.util.Objects;

/**
 * One mistake in a config file, printed by {@code tandem check} as
 * {@code FILE:LINE:COL: path.to.key: message}.
 *
 * <p><b>Positions</b> are 1-based and point at the first character of the thing that is wrong:
 * the key for an unknown or duplicate key, the value for a bad value (its opening quote when it is
 * quoted), the start of the enclosing mapping for a missing key.
 *
 * <p><b>Paths</b> use the names the user gave, so they stay meaningful when items are reordered:
 * {@code backends.web.servers.web2.address}, {@code frontends.www.routes[1].backend}. A list item is
 * named by its {@code name} key (frontends, backends, servers); when it has no usable name (missing,
 * not matching {@code [A-Za-z0-9_.-]+}, or already used by an earlier item) and for lists whose items
 * have no name (routes, bind, peers, vips), it is named by its 0-based index, {@code backends[2]}.
 * A path names the key whose value is wrong; for problems about keys themselves (unknown, duplicate
 * or missing keys) it names the mapping that holds them. Problems about the file as a whole (a YAML
 * syntax error, an unknown top-level key) have an empty path, which {@link #toString()} leaves out.
 *
 * @param file    the file name as given to the loader
 * @param line    1-based line
 * @param column  1-based column
 * @param path    the dotted path of the key, possibly empty
 * @param message what is wrong, and what to do when that is not obvious
 */
public record ConfigProblem(String file, int line, int column, String path, String message) {

    public ConfigProblem {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(message, "message");
    }

    /** {@code FILE:LINE:COL: path.to.key: message}, or {@code FILE:LINE:COL: message} when the path is empty. */
    @Override
    public String toString() {
        String where = file + ":" + line + ":" + column + ": ";
        return path.isEmpty() ? where + message : where + path + ": " + message;
    }
}
