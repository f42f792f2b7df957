package org.tandemlb.admin.config;

import java.util.List;

/**
 * A node of the config file's YAML tree, with the 1-based line and column of its first character.
 * Built by {@link YamlReader}; read through {@link Section} by the rules of each section. The YAML
 * types of scalars are ignored: every scalar keeps its text, and the key that reads it decides what
 * it must be (a {@code ${VAR}} can then stand for a number or a boolean).
 */
sealed interface YamlNode permits YamlNode.Scalar, YamlNode.Mapping, YamlNode.Sequence {

    int line();

    int column();

    /** What the user would call this kind of node, for messages: "a mapping", "a list", "a value". */
    String kind();

    /**
     * A scalar.
     *
     * @param text   the text as written, without quotes; empty for a null
     * @param isNull an unquoted {@code ~}, {@code null} or nothing at all
     * @param alias  a YAML alias ({@code *name}), which the loader does not follow
     */
    record Scalar(String text, boolean isNull, boolean alias, int line, int column) implements YamlNode {
        @Override
        public String kind() {
            return isNull ? "nothing" : "a value";
        }
    }

    /** A key and its value. */
    record Entry(Scalar key, YamlNode value) {}

    /**
     * A mapping.
     *
     * @param entries    the first occurrence of every key, in the file's order
     * @param duplicates the later occurrences of keys already in {@code entries}
     */
    record Mapping(List<Entry> entries, List<Entry> duplicates, int line, int column) implements YamlNode {
        public Mapping {
            entries = List.copyOf(entries);
            duplicates = List.copyOf(duplicates);
        }

        /** The entry of {@code key}, or null. */
        public Entry entry(String key) {
            for (Entry e : entries) {
                if (e.key().text().equals(key)) {
                    return e;
                }
            }
            return null;
        }

        @Override
        public String kind() {
            return "a mapping";
        }
    }

    /** A sequence. */
    record Sequence(List<YamlNode> items, int line, int column) implements YamlNode {
        public Sequence {
            items = List.copyOf(items);
        }

        @Override
        public String kind() {
            return "a list";
        }
    }
}
