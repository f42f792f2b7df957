package org.tandemlb.admin.importer;

import java.util.Set;

/** Tandem names ({@code [A-Za-z0-9_.-]+}) from HAProxy's and keepalived's, which allow more. */
final class Names {

    private Names() {}

    /** {@code name} with every other character replaced by {@code -}; {@code fallback} when empty. */
    static String of(String name, String fallback) {
        String s = name.replaceAll("[^A-Za-z0-9_.-]", "-");
        return s.isEmpty() ? fallback : s;
    }

    /** {@code name}, or {@code name-2}, {@code name-3}... the first not in {@code taken}; adds it. */
    static String unique(String name, Set<String> taken) {
        String n = name;
        for (int i = 2; !taken.add(n); i++) {
            n = name + "-" + i;
        }
        return n;
    }
}
