package org.tandemlb.core.config;

import java.util.regex.Pattern;

/**
 * The rule for the names of frontends, backends and servers (and of the nodes and clusters built
 * on this library): one or more of {@code A-Z a-z 0-9 _ . -}, that is {@code [A-Za-z0-9_.-]+}.
 * The records check their names with it; a configuration front end (a file reader, an API) can
 * check a name first, to report it where the user wrote it.
 */
public final class Names {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");

    private Names() {}

    /** Whether {@code name} is a valid name; false for null. */
    public static boolean isValid(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /**
     * Returns {@code name} when it is valid.
     *
     * @param what what is named, for the message: "frontend", "backend", "server", "node"...
     * @throws IllegalArgumentException when it is not (or is null), with the message
     *                                  {@code WHAT name 'NAME' must match [A-Za-z0-9_.-]+}
     */
    public static String require(String what, String name) {
        if (!isValid(name)) {
            throw new IllegalArgumentException(what + " name '" + name + "' must match [A-Za-z0-9_.-]+");
        }
        return name;
    }
}
