package org.tandemlb.admin.config;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${VAR}} and {@code ${VAR:-default}} in a scalar value, as a shell does: the
 * default is used when VAR is unset or empty; {@code ${VAR}} with VAR unset is an error, with VAR
 * set but empty it is the empty string. There is no escape: a {@code $} not followed by
 * {@code {} is kept as it is. Replacement happens once; a value coming from the environment is
 * not scanned again.
 */
final class EnvSubstitution {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private EnvSubstitution() {}

    /** {@code text} with its variables replaced; IllegalArgumentException with a message for the user. */
    static String apply(String text, Map<String, String> env) {
        int start = text.indexOf("${");
        if (start < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int at = 0;
        while (start >= 0) {
            out.append(text, at, start);
            int end = text.indexOf('}', start + 2);
            if (end < 0) {
                throw new IllegalArgumentException("'${' at character " + (start + 1) + " is not closed by '}'");
            }
            String inside = text.substring(start + 2, end);
            int sep = inside.indexOf(":-");
            String name = sep < 0 ? inside : inside.substring(0, sep);
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("'${" + inside + "}' is not ${VAR} or ${VAR:-default}");
            }
            String value = env.get(name);
            if (sep >= 0) {
                out.append(value == null || value.isEmpty() ? inside.substring(sep + 2) : value);
            } else if (value == null) {
                throw new IllegalArgumentException("environment variable " + name + " is not set");
            } else {
                out.append(value);
            }
            at = end + 1;
            start = text.indexOf("${", at);
        }
        out.append(text, at, text.length());
        return out.toString();
    }
}
