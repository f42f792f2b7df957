package org.tandemlb.admin.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.tandemlb.core.config.HostPort;
import org.tandemlb.core.config.Names;

/**
 * A mapping of the YAML tree being read, with its path: the typed reader the section rules use.
 * Every accessor reads a value as what its key needs (text with its variables replaced, a number,
 * a duration, a host:port...), reports what is wrong at the right node, and returns null then.
 */
final class Section {
    final YamlNode.Mapping node;
    final String path;
    private final Problems problems;
    private final Map<String, String> env;

    private Section(Problems problems, Map<String, String> env, YamlNode.Mapping node, String path) {
        this.problems = problems;
        this.env = env;
        this.node = node;
        this.path = path;
    }

    /**
     * Opens {@code node} as a mapping with these keys: reports its unknown and duplicate keys at
     * once. Null when the node is not a mapping (reported). A null scalar is an empty mapping.
     */
    static Section open(Problems problems, Map<String, String> env, YamlNode node, String path, List<String> keys) {
        if (node instanceof YamlNode.Scalar s && s.isNull()) {
            return new Section(problems, env, new YamlNode.Mapping(List.of(), List.of(), s.line(), s.column()), path);
        }
        if (!(node instanceof YamlNode.Mapping m)) {
            problems.report(node, path, "expected a mapping (key: value), not " + node.kind());
            return null;
        }
        for (YamlNode.Entry e : m.entries()) {
            String key = e.key().text();
            if (!keys.contains(key)) {
                problems.report(e.key(), path, "unknown key '" + key + "'" + Suggestions.didYouMean(key, keys));
            }
        }
        for (YamlNode.Entry e : m.duplicates()) {
            problems.report(
                    e.key(),
                    path,
                    "duplicate key '" + e.key().text() + "' (first at line "
                            + m.entry(e.key().text()).key().line() + ")");
        }
        return new Section(problems, env, m, path);
    }

    /** {@link #open(Problems, Map, YamlNode, String, List)} for another node of the same file. */
    Section open(YamlNode other, String otherPath, List<String> keys) {
        return open(problems, env, other, otherPath, keys);
    }

    String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** The path of the item at index {@code i} of the list under {@code key}: {@code key[i]}. */
    private String itemPath(String key, int i) {
        return path(key) + "[" + i + "]";
    }

    boolean has(String key) {
        return node.entry(key) != null;
    }

    YamlNode.Scalar key(String key) {
        YamlNode.Entry e = node.entry(key);
        return e == null ? null : e.key();
    }

    /** The value of {@code key}; null when absent or written as nothing ({@code key:} or {@code ~}). */
    YamlNode value(String key) {
        YamlNode.Entry e = node.entry(key);
        if (e == null || e.value() instanceof YamlNode.Scalar s && s.isNull()) {
            return null;
        }
        return e.value();
    }

    /** Whether {@code key} has a value; reports it missing when not. */
    boolean required(String key) {
        return required(key, null);
    }

    boolean required(String key, String why) {
        if (value(key) != null) {
            return true;
        }
        missing(key, why);
        return false;
    }

    void missing(String key) {
        missing(key, null);
    }

    void missing(String key, String why) {
        YamlNode.Entry e = node.entry(key);
        String because = why == null ? "" : " (" + why + ")";
        if (e != null) {
            problems.report(e.value(), path(key), "needs a value" + because);
        } else {
            problems.report(node, path, "'" + key + "' is required" + because);
        }
    }

    /** The scalar value of {@code key}, or null (absent, nothing, or another kind: reported). */
    YamlNode.Scalar scalar(String key) {
        YamlNode v = value(key);
        return v == null ? null : scalar(v, path(key));
    }

    String string(String key) {
        YamlNode.Scalar s = scalar(key);
        return s == null ? null : text(s, path(key));
    }

    <T> T parsed(String key, Function<String, T> parser) {
        YamlNode.Scalar s = scalar(key);
        String text = s == null ? null : text(s, path(key));
        if (text == null) {
            return null;
        }
        try {
            return parser.apply(text.trim());
        } catch (IllegalArgumentException e) {
            problems.report(s, path(key), e.getMessage());
            return null;
        }
    }

    Integer integer(String key, int min, int max) {
        return parsed(key, text -> {
            long n;
            try {
                n = Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not a whole number");
            }
            if (n < min || n > max) {
                throw new IllegalArgumentException(text + " is out of range: "
                        + (max == Integer.MAX_VALUE ? "use " + min + " or more" : "use " + min + " to " + max));
            }
            return (int) n;
        });
    }

    Boolean bool(String key) {
        return parsed(key, text -> switch (text) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> throw new IllegalArgumentException("'" + text + "' is not true or false");
        });
    }

    Duration duration(String key, boolean positive) {
        return parsed(key, text -> {
            Duration d = Units.parseDuration(text);
            if (positive && d.isZero()) {
                throw new IllegalArgumentException("must be more than 0");
            }
            return d;
        });
    }

    /** One of {@code allowed}, exactly as written there. */
    String choice(String key, List<String> allowed) {
        return parsed(key, text -> {
            if (!allowed.contains(text)) {
                throw new IllegalArgumentException("'" + text + "' is not one of " + String.join(", ", allowed)
                        + Suggestions.didYouMean(text, allowed));
            }
            return text;
        });
    }

    /** One of {@code allowed}, as the constant of {@code type} with that name in upper case. */
    <E extends Enum<E>> E enumChoice(String key, List<String> allowed, Class<E> type) {
        String value = choice(key, allowed);
        return value == null ? null : Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
    }

    HostPort hostPort(String key, boolean portZeroAllowed) {
        YamlNode.Scalar s = scalar(key);
        return s == null ? null : hostPort(s, path(key), portZeroAllowed);
    }

    /**
     * The items of the list under {@code key} read as host:port, each at {@code key[i]}; the items
     * that are wrong are reported and left out.
     */
    List<HostPort> hostPorts(String key, List<YamlNode> items, boolean portZeroAllowed) {
        List<HostPort> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String itemPath = itemPath(key, i);
            YamlNode.Scalar sc = scalar(items.get(i), itemPath);
            HostPort hp = sc == null ? null : hostPort(sc, itemPath, portZeroAllowed);
            if (hp != null) {
                out.add(hp);
            }
        }
        return out;
    }

    /** A name ({@code [A-Za-z0-9_.-]+}); {@code what} is "node", "cluster"... for the message. */
    String name(String key, String what) {
        return parsed(key, text -> Names.require(what, text));
    }

    Section section(String key, List<String> keys) {
        YamlNode v = value(key);
        return v == null ? null : open(v, path(key), keys);
    }

    /** The items of the list under {@code key}; null when absent or not a list (reported). */
    List<YamlNode> list(String key) {
        YamlNode v = value(key);
        if (v == null) {
            return null;
        }
        if (v instanceof YamlNode.Sequence seq) {
            return seq.items();
        }
        problems.report(v, path(key), "expected a list, not " + v.kind());
        return null;
    }

    /**
     * The items of the list under {@code key} as text, each at {@code key[i]}; null when absent
     * or not a list (reported). Items that are not values are reported and left out.
     */
    List<String> strings(String key) {
        List<YamlNode> items = list(key);
        if (items == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            YamlNode.Scalar sc = scalar(items.get(i), itemPath(key, i));
            String text = sc == null ? null : text(sc, itemPath(key, i));
            if (text != null) {
                out.add(text);
            }
        }
        return out;
    }

    /**
     * The items of the list under {@code key}, each read by {@code parser} (whose
     * IllegalArgumentException is reported at the item); null when absent or not a list. Items
     * that are wrong are reported and left out.
     */
    <T> List<T> parsedItems(String key, Function<String, T> parser) {
        List<YamlNode> items = list(key);
        if (items == null) {
            return null;
        }
        List<T> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            YamlNode.Scalar sc = scalar(items.get(i), itemPath(key, i));
            String text = sc == null ? null : text(sc, itemPath(key, i));
            if (text == null) {
                continue;
            }
            try {
                out.add(parser.apply(text));
            } catch (IllegalArgumentException e) {
                problems.report(sc, itemPath(key, i), e.getMessage());
            }
        }
        return out;
    }

    /**
     * Reads {@code items}, the list under {@code key}, each item opened as a section at
     * {@code key[i]} with these keys: {@code rule} makes the item's checks and returns the
     * constructor of its record, which runs only when the item had no problem, its unknown keys
     * included. Items that are not mappings, or that have a problem, are left out.
     */
    <T> List<T> items(String key, List<YamlNode> items, List<String> keys, Function<Section, Supplier<T>> rule) {
        List<T> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            int before = problems.count();
            Section s = open(items.get(i), itemPath(key, i), keys);
            if (s == null) {
                continue;
            }
            Supplier<T> constructor = rule.apply(s);
            if (problems.count() == before) {
                T built = problems.build(s.node, s.path, constructor);
                if (built != null) {
                    out.add(built);
                }
            }
        }
        return out;
    }

    /**
     * An item of a list of named things (frontends, backends, servers).
     *
     * @param name    its name, or null when missing, bad or already used by an earlier item
     * @param rawName the name as written (valid or not), for references to it; null when missing
     *                or when an earlier item has it (references go to the first)
     */
    record NamedItem(YamlNode.Mapping node, String path, String name, String rawName) {}

    /**
     * The items of a list of named mappings, each with its path: {@code backends.web} when it
     * has a valid name not used before, {@code backends[1]} otherwise. A missing, bad or
     * duplicate name is reported here; items that are not mappings are reported and left out.
     */
    List<NamedItem> namedList(String key, String what) {
        List<NamedItem> out = new ArrayList<>();
        List<YamlNode> items = list(key);
        if (items == null) {
            return out;
        }
        Map<String, Integer> seen = new HashMap<>();
        Set<String> rawSeen = new HashSet<>();
        for (int i = 0; i < items.size(); i++) {
            String indexPath = itemPath(key, i);
            YamlNode item = items.get(i);
            if (!(item instanceof YamlNode.Mapping m)) {
                problems.report(item, indexPath, "expected a mapping with a name (a " + what + "), not " + item.kind());
                continue;
            }
            Section s = new Section(problems, env, m, indexPath);
            String name = null;
            String rawName = null;
            if (s.value("name") == null) {
                s.missing("name");
            } else {
                YamlNode.Scalar sc = s.scalar("name");
                rawName = sc == null ? null : text(sc, s.path("name"));
                if (rawName != null && validName(sc, s.path("name"), what, rawName)) {
                    Integer first = seen.putIfAbsent(rawName, sc.line());
                    if (first != null) {
                        problems.report(
                                sc, s.path("name"), what + " '" + rawName + "' is already defined at line " + first);
                    } else {
                        name = rawName;
                    }
                }
                if (rawName != null && !rawSeen.add(rawName)) {
                    rawName = null; // a duplicate: references go to the first one
                }
            }
            out.add(new NamedItem(m, name != null ? path(key) + "." + name : indexPath, name, rawName));
        }
        return out;
    }

    /** Whether {@code name} is valid; reports it when not, with lb-core's message. */
    private boolean validName(YamlNode.Scalar at, String namePath, String what, String name) {
        try {
            Names.require(what, name);
            return true;
        } catch (IllegalArgumentException e) {
            problems.report(at, namePath, e.getMessage());
            return false;
        }
    }

    /** {@code node} as a scalar, or null after reporting that it is another kind of node. */
    private YamlNode.Scalar scalar(YamlNode node, String at) {
        if (node instanceof YamlNode.Scalar s) {
            if (s.alias()) {
                problems.report(s, at, "YAML aliases (*" + s.text() + ") are not supported; write the value out");
                return null;
            }
            return s;
        }
        problems.report(node, at, "expected a value, not " + node.kind());
        return null;
    }

    /** The text of {@code s} with its variables replaced, or null after reporting a problem. */
    private String text(YamlNode.Scalar s, String at) {
        try {
            return EnvSubstitution.apply(s.text(), env);
        } catch (IllegalArgumentException e) {
            problems.report(s, at, e.getMessage());
            return null;
        }
    }

    private HostPort hostPort(YamlNode.Scalar s, String at, boolean portZeroAllowed) {
        String text = s.isNull() ? null : text(s, at);
        if (text == null) {
            if (s.isNull()) {
                problems.report(s, at, "expected host:port, found nothing");
            }
            return null;
        }
        try {
            HostPort hp = HostPort.parse(text);
            if (hp.port() == 0 && !portZeroAllowed) {
                problems.report(s, at, "'" + text + "' needs a port other than 0");
                return null;
            }
            return hp;
        } catch (IllegalArgumentException e) {
            problems.report(s, at, e.getMessage());
            return null;
        }
    }
}
