package org.tandemlb.admin.config;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tandemlb.admin.config.BackendRules.BackendItem;
import org.tandemlb.admin.config.Section.NamedItem;
import org.tandemlb.core.config.Cidr;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.RouteConfig;

/**
 * The rules of a frontend's {@code routes}: each route's conditions (host, path prefix, path
 * regular expression, methods, headers, query parameters, source networks), its action (a
 * backend, a redirect or a deny) and its {@code allow_from} networks. Regular expressions are
 * compiled here, once.
 */
final class RouteRules {
    private static final List<String> ROUTE_KEYS = List.of(
            "host",
            "path_prefix",
            "path_regex",
            "methods",
            "headers",
            "query",
            "backend",
            "redirect",
            "deny",
            "allow_from",
            "source");
    private static final List<String> CONDITIONS =
            List.of("host", "path_prefix", "path_regex", "methods", "headers", "query", "source");
    private static final List<String> ACTIONS = List.of("backend", "redirect", "deny");
    private static final List<String> HEADER_KEYS = List.of("name", "exact", "prefix", "present");
    private static final List<String> QUERY_KEYS = List.of("name", "value");
    private static final List<String> REDIRECT_KEYS = List.of("location", "code", "strip_query");

    /** Checks that a route's backend is defined and in the frontend's mode. */
    interface References {
        void check(YamlNode.Scalar at, String path, String backend, NamedItem frontend, Mode mode);
    }

    private final Problems problems;

    RouteRules(Problems problems) {
        this.problems = problems;
    }

    List<RouteConfig> read(
            Section frontend, NamedItem item, Mode mode, Map<String, BackendItem> backends, References references) {
        List<YamlNode> items = frontend.list("routes");
        if (items == null) {
            return List.of();
        }
        if (mode == Mode.TCP && !items.isEmpty()) {
            problems.report(
                    frontend.key("routes"),
                    frontend.path("routes"),
                    "routes need mode http; this frontend is in tcp mode");
        }
        return frontend.items("routes", items, ROUTE_KEYS, s -> {
            RouteConfig.Builder b = RouteConfig.builder();
            String pathPrefix = s.string("path_prefix");
            if (pathPrefix != null && !pathPrefix.startsWith("/")) {
                problems.report(
                        s.scalar("path_prefix"), s.path("path_prefix"), "'" + pathPrefix + "' must start with /");
            }
            b.host(s.string("host")).pathPrefix(pathPrefix);
            RouteConfig.PathRegex regex = s.parsed("path_regex", RouteConfig.PathRegex::new);
            if (regex != null) {
                b.pathRegex(regex.pattern().pattern());
            }
            List<String> methods = s.parsedItems("methods", m -> {
                String upper = m.toUpperCase(Locale.ROOT);
                if (upper.isEmpty() || !upper.chars().allMatch(c -> c >= 'A' && c <= 'Z' || c == '-' || c == '_')) {
                    throw new IllegalArgumentException("'" + m + "' is not a method (such as GET or POST)");
                }
                return upper;
            });
            if (methods != null) {
                methods.forEach(b::method);
            }
            headers(s, b);
            query(s, b);
            if (CONDITIONS.stream().noneMatch(s::has)) {
                problems.report(
                        s.node,
                        s.path,
                        "a route needs a condition: host, path_prefix, path_regex, methods, headers, query or source");
            }
            List<String> actions = ACTIONS.stream().filter(s::has).toList();
            if (actions.size() != 1) {
                problems.report(
                        s.node,
                        s.path,
                        actions.isEmpty()
                                ? "a route needs backend, redirect or deny"
                                : "a route takes one of backend, redirect or deny, not "
                                        + String.join(" and ", actions));
            }
            String backend = s.string("backend");
            if (backend != null) {
                references.check(s.scalar("backend"), s.path("backend"), backend, item, mode == Mode.TCP ? null : mode);
                b.backend(backend);
            }
            redirect(s, b);
            deny(s, b);
            List<Cidr> allow = networks(s, "allow_from");
            if (allow != null) {
                if (s.has("deny")) {
                    problems.report(
                            s.key("allow_from"),
                            s.path("allow_from"),
                            "a route that denies every request needs no allow_from");
                }
                allow.forEach(b::allowFrom);
            }
            List<Cidr> sources = networks(s, "source");
            if (sources != null) {
                sources.forEach(b::source);
            }
            return b::build;
        });
    }

    /** The networks (CIDR) listed under {@code key}, at least one; null when the key is absent. */
    private List<Cidr> networks(Section route, String key) {
        List<Cidr> networks = route.parsedItems(key, Cidr::parse);
        if (networks != null
                && networks.isEmpty()
                && route.value(key) instanceof YamlNode.Sequence seq
                && seq.items().isEmpty()) {
            problems.report(route.value(key), route.path(key), "needs at least one network (CIDR)");
        }
        return networks;
    }

    private void headers(Section route, RouteConfig.Builder b) {
        List<YamlNode> items = route.list("headers");
        if (items == null) {
            return;
        }
        route.items("headers", items, HEADER_KEYS, s -> {
                    String name = s.string("name");
                    s.required("name");
                    List<String> kinds = List.of("exact", "prefix", "present").stream()
                            .filter(s::has)
                            .toList();
                    if (kinds.size() != 1) {
                        problems.report(
                                s.node, s.path, "a header condition needs exactly one of exact, prefix or present");
                        return () -> null;
                    }
                    RouteConfig.HeaderMatch.Kind kind =
                            RouteConfig.HeaderMatch.Kind.valueOf(kinds.get(0).toUpperCase(Locale.ROOT));
                    String value = null;
                    if (kind == RouteConfig.HeaderMatch.Kind.PRESENT) {
                        Boolean present = s.bool("present");
                        if (present != null && !present) {
                            problems.report(s.scalar("present"), s.path("present"), "only present: true is supported");
                        }
                    } else {
                        value = s.string(kinds.get(0));
                    }
                    String v = value;
                    return () -> new RouteConfig.HeaderMatch(name, kind, v);
                })
                .forEach(b::header);
    }

    private void query(Section route, RouteConfig.Builder b) {
        List<YamlNode> items = route.list("query");
        if (items == null) {
            return;
        }
        route.items("query", items, QUERY_KEYS, s -> {
                    s.required("name");
                    String name = s.string("name");
                    String value = s.string("value");
                    return () -> new RouteConfig.QueryMatch(name, value);
                })
                .forEach(b::query);
    }

    private void redirect(Section route, RouteConfig.Builder b) {
        Section s = route.section("redirect", REDIRECT_KEYS);
        if (s == null) {
            return;
        }
        s.required("location");
        String location = s.string("location");
        Integer code = s.integer("code", 300, 399);
        boolean codeBad = code != null && !RouteConfig.REDIRECT_CODES.contains(code);
        if (codeBad) {
            problems.report(
                    s.scalar("code"), s.path("code"), "redirect code " + code + " must be 301, 302, 303, 307 or 308");
        }
        Boolean strip = s.bool("strip_query");
        if (location != null && !codeBad) {
            RouteConfig.Redirect r = problems.build(
                    s.scalar("location"),
                    s.path("location"),
                    () -> new RouteConfig.Redirect(code == null ? 302 : code, location, strip != null && strip));
            b.redirect(r);
        }
    }

    /** {@code deny: true} (403) or {@code deny: STATUS}. */
    private void deny(Section route, RouteConfig.Builder b) {
        if (!route.has("deny")) {
            return;
        }
        Integer status = route.parsed("deny", text -> {
            if (text.equals("true")) {
                return 403;
            }
            int n;
            try {
                n = Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "deny takes true (403) or a status within 400-599, not '" + text + "'");
            }
            if (n < 400 || n > 599) {
                throw new IllegalArgumentException("deny status " + n + " must be within 400-599");
            }
            return n;
        });
        if (status != null) {
            b.deny(status);
        }
    }
}
