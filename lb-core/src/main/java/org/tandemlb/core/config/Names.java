package org.tandemlb.core.config;

import java.util.regex.Pattern;

/** Validation of the names of frontends, backends and servers: {@code [A-Za-z0-9_.-]+}. */
final class Names {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");

    private Names() {
    }

    static String require(String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " name '" + name + "' must match [A-Za-z0-9_.-]+");
        }
        return name;
    }
}
