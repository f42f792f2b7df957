package org.tandemlb.admin.config;

import java.util.List;
import java.util.function.Supplier;

/**
 * The problems found so far in one config file, each at its node: every reader and rule of the
 * file adds to the same list, in the order the file is read.
 */
final class Problems {
    private final String file;
    private final List<ConfigProblem> list;

    Problems(String file, List<ConfigProblem> list) {
        this.file = file;
        this.list = list;
    }

    void report(YamlNode at, String path, String message) {
        list.add(new ConfigProblem(file, at.line(), at.column(), path, message));
    }

    /** How many so far: a rule compares the counts before and after reading an object. */
    int count() {
        return list.size();
    }

    boolean isEmpty() {
        return list.isEmpty();
    }

    /**
     * Runs a record constructor; its IllegalArgumentException (or NullPointerException, which
     * would be a gap in the checks made on the tree) becomes a problem at {@code at} instead of a
     * crash.
     */
    <T> T build(YamlNode at, String path, Supplier<T> constructor) {
        try {
            return constructor.get();
        } catch (IllegalArgumentException | NullPointerException e) {
            report(at, path, e.getMessage() == null ? "invalid: " + e : e.getMessage());
            return null;
        }
    }
}
