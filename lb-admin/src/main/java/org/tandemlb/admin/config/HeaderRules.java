package org.tandemlb.admin.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tandemlb.core.config.ErrorPage;
import org.tandemlb.core.config.HeaderRule;
import org.tandemlb.core.config.HttpRules;
import org.tandemlb.core.config.Mode;

/**
 * The rules of a frontend's or backend's {@code request_headers}, {@code response_headers},
 * {@code request_id} (frontends) and {@code error_pages}. The error pages are read and checked
 * here, so that {@code tandem check} and a reload report a missing or malformed file at its key.
 */
final class HeaderRules {
    /** The keys of a frontend or backend this class reads. */
    static final List<String> KEYS = List.of("request_headers", "response_headers", "request_id", "error_pages");

    private static final List<String> OPS = List.of("set", "add", "delete");
    private static final List<String> RULE_KEYS = List.of("set", "add", "delete", "value");
    private static final List<String> STATUS_KEYS =
            ErrorPage.STATUSES.stream().sorted().map(String::valueOf).toList();

    private final Problems problems;

    HeaderRules(Problems problems) {
        this.problems = problems;
    }

    /**
     * The rules of {@code s}, a frontend ({@code frontend} true) or a backend in {@code mode}
     * (null when unknown); {@link HttpRules#NONE} when it has none, or when they have problems
     * (reported).
     */
    HttpRules read(Section s, Mode mode, boolean frontend) {
        int before = problems.count();
        if (mode == Mode.TCP) {
            for (String key : KEYS) {
                if (s.has(key)) {
                    problems.report(s.key(key), s.path(key), key + " needs mode http; this one is in tcp mode");
                }
            }
        }
        List<HeaderRule> request = rules(s, "request_headers", false);
        List<HeaderRule> response = rules(s, "response_headers", true);
        String requestId = null;
        if (s.has("request_id")) {
            if (!frontend) {
                problems.report(
                        s.key("request_id"),
                        s.path("request_id"),
                        "request_id is a frontend setting: the id is made where the request arrives");
            } else {
                requestId = s.parsed("request_id", name -> {
                    new HeaderRule(HeaderRule.Op.DELETE, name, null); // a header Tandem may write
                    return name;
                });
            }
        }
        Map<Integer, ErrorPage> pages = errorPages(s);
        if (problems.count() != before) {
            return HttpRules.NONE;
        }
        String id = requestId;
        HttpRules r = problems.build(s.node, s.path, () -> new HttpRules(request, response, id, pages));
        return r == null ? HttpRules.NONE : r;
    }

    private List<HeaderRule> rules(Section parent, String key, boolean responseSide) {
        List<YamlNode> items = parent.list(key);
        if (items == null) {
            return List.of();
        }
        return parent.items(key, items, RULE_KEYS, s -> {
            List<String> ops = OPS.stream().filter(s::has).toList();
            if (ops.size() != 1) {
                problems.report(
                        s.node,
                        s.path,
                        "a header rule needs exactly one of set, add or delete (with the header's name)");
                return () -> null;
            }
            String op = ops.get(0);
            HeaderRule.Op kind = HeaderRule.Op.valueOf(op.toUpperCase(Locale.ROOT));
            String name = s.string(op);
            String value = s.string("value");
            if (kind == HeaderRule.Op.DELETE && s.has("value")) {
                problems.report(s.key("value"), s.path("value"), "delete takes no value");
            } else if (kind != HeaderRule.Op.DELETE && !s.has("value")) {
                problems.report(s.node, s.path, op + " needs a value (it may be empty: value: \"\")");
            }
            YamlNode at = s.scalar(op) == null ? s.node : s.scalar(op);
            if (name != null) {
                // Checked here to report at the name, or at the value, rather than at the rule.
                String v = kind == HeaderRule.Op.DELETE ? null : value == null ? "" : value;
                try {
                    HeaderRule named = new HeaderRule(HeaderRule.Op.DELETE, name, null);
                    if (responseSide) {
                        named.checkResponseSide();
                    }
                    try {
                        new HeaderRule(kind, name, v);
                    } catch (IllegalArgumentException e) {
                        YamlNode.Scalar valueAt = s.scalar("value");
                        problems.report(valueAt == null ? at : valueAt, s.path("value"), e.getMessage());
                    }
                } catch (IllegalArgumentException e) {
                    problems.report(at, s.path(op), e.getMessage());
                }
            }
            return () -> new HeaderRule(kind, name, kind == HeaderRule.Op.DELETE ? null : value == null ? "" : value);
        });
    }

    /** {@code error_pages}: status to file, each file read and checked now. */
    private Map<Integer, ErrorPage> errorPages(Section parent) {
        Section s = parent.section("error_pages", STATUS_KEYS);
        if (s == null) {
            return Map.of();
        }
        Map<Integer, ErrorPage> pages = new HashMap<>();
        for (YamlNode.Entry e : new ArrayList<>(s.node.entries())) {
            String key = e.key().text();
            if (!STATUS_KEYS.contains(key)) {
                continue; // reported by the section
            }
            int status = Integer.parseInt(key);
            ErrorPage page = s.parsed(key, file -> ErrorPage.read(status, Path.of(file)));
            if (page != null) {
                pages.put(status, page);
            }
        }
        return pages;
    }
}
