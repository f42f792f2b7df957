package org.tandemlb.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A routing rule of an HTTP frontend: a request that meets every condition the rule has goes to
 * {@code backend}, or is redirected or denied. Rules are tried in order and the first match wins;
 * a request that matches none goes to the frontend's default backend.
 *
 * @param host       the request's host (without port, case-insensitive), or null for any
 * @param pathPrefix the request path's prefix, or null for any
 * @param backend    the backend's name; null for a route that redirects or denies
 * @param methods    the request methods it matches (upper case), empty for any
 * @param pathRegex  a Java regular expression found in the path (without the query), or null
 * @param headers    header conditions, all of which must hold
 * @param query      query parameter conditions, all of which must hold
 * @param redirect   answer with a redirect instead of forwarding, or null
 * @param denyStatus answer with this status instead of forwarding (403 by default), or 0
 * @param allowFrom  when not empty, only clients in these networks pass; others get 403 (the
 *                   client's address is the PROXY header's with {@code accept_proxy})
 * @param sources    when not empty, a condition: the client's address (as for {@code allowFrom})
 *                   is in one of these networks; a client in none does not match the route, and
 *                   the next route is tried
 */
public record RouteConfig(
        String host,
        String pathPrefix,
        String backend,
        List<String> methods,
        PathRegex pathRegex,
        List<HeaderMatch> headers,
        List<QueryMatch> query,
        Redirect redirect,
        int denyStatus,
        List<Cidr> allowFrom,
        List<Cidr> sources) {

    /** The statuses a redirect may have. */
    public static final Set<Integer> REDIRECT_CODES = Set.of(301, 302, 303, 307, 308);

    public RouteConfig {
        methods = methods == null ? List.of() : List.copyOf(methods);
        headers = headers == null ? List.of() : List.copyOf(headers);
        query = query == null ? List.of() : List.copyOf(query);
        allowFrom = allowFrom == null ? List.of() : List.copyOf(allowFrom);
        sources = sources == null ? List.of() : List.copyOf(sources);
        if (host == null
                && pathPrefix == null
                && methods.isEmpty()
                && pathRegex == null
                && headers.isEmpty()
                && query.isEmpty()
                && sources.isEmpty()) {
            throw new IllegalArgumentException(
                    "a route needs a condition: host, path_prefix, path_regex, methods, headers, query or source");
        }
        host = host == null ? null : host.toLowerCase(Locale.ROOT);
        if (pathPrefix != null && !pathPrefix.startsWith("/")) {
            throw new IllegalArgumentException("path_prefix '" + pathPrefix + "' must start with /");
        }
        for (String m : methods) {
            if (m.isEmpty() || !m.chars().allMatch(c -> c >= 'A' && c <= 'Z' || c == '-' || c == '_')) {
                throw new IllegalArgumentException("'" + m + "' is not a method (upper case, such as GET)");
            }
        }
        int actions = (backend != null ? 1 : 0) + (redirect != null ? 1 : 0) + (denyStatus != 0 ? 1 : 0);
        if (actions != 1) {
            throw new IllegalArgumentException("a route needs exactly one of backend, redirect or deny");
        }
        if (denyStatus != 0 && (denyStatus < 400 || denyStatus > 599)) {
            throw new IllegalArgumentException("deny status " + denyStatus + " must be within 400-599");
        }
        if (denyStatus != 0 && !allowFrom.isEmpty()) {
            throw new IllegalArgumentException("a route that denies every request needs no allow_from");
        }
    }

    /** A route by host and path prefix to {@code backend}. */
    public RouteConfig(String host, String pathPrefix, String backend) {
        this(host, pathPrefix, Objects.requireNonNull(backend, "backend"), null, null, null, null, null, 0, null, null);
    }

    /** Whether a request for {@code requestHost} (lower case, no port) and {@code path} meets the host and prefix. */
    public boolean matches(String requestHost, String path) {
        return (host == null || host.equals(requestHost)) && (pathPrefix == null || path.startsWith(pathPrefix));
    }

    /** A builder of a route. */
    public static Builder builder() {
        return new Builder();
    }

    /** A Java regular expression, compiled once when the configuration is made. */
    public static final class PathRegex {
        private final Pattern pattern;

        /**
         * @throws IllegalArgumentException when {@code regex} is not valid Java regex syntax
         */
        public PathRegex(String regex) {
            try {
                this.pattern = Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("path_regex is not a valid Java regular expression: "
                        + e.getDescription() + " near index " + e.getIndex());
            }
        }

        /** The compiled expression. */
        public Pattern pattern() {
            return pattern;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof PathRegex p && p.pattern.pattern().equals(pattern.pattern());
        }

        @Override
        public int hashCode() {
            return pattern.pattern().hashCode();
        }

        @Override
        public String toString() {
            return pattern.pattern();
        }
    }

    /**
     * A header condition: one of the header's values equals {@code value} (exact), starts with it
     * (prefix), or the header is there at all (present). Names are case-insensitive, values not.
     *
     * @param name  the header's name
     * @param kind  how values are compared
     * @param value the value or prefix; null for {@link Kind#PRESENT}
     */
    public record HeaderMatch(String name, Kind kind, String value) {
        /** How a header's values are compared. */
        public enum Kind {
            EXACT,
            PREFIX,
            PRESENT
        }

        public HeaderMatch {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(kind, "kind");
            if ((kind == Kind.PRESENT) != (value == null)) {
                throw new IllegalArgumentException("header " + name + ": exact and prefix need a value, present none");
            }
        }
    }

    /**
     * A query parameter condition: the parameter {@code name} is there with {@code value} (as
     * written in the URI, not percent-decoded), or with any value when {@code value} is null.
     */
    public record QueryMatch(String name, String value) {
        public QueryMatch {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("a query condition needs a parameter name");
            }
        }
    }

    /**
     * A redirect: {@code code} to {@code location}, whose placeholders {@code {scheme}},
     * {@code {host}} (the Host header, port included) and {@code {path}} (the request path,
     * followed by its query unless {@code stripQuery}) are replaced.
     */
    public record Redirect(int code, String location, boolean stripQuery) {
        /** The placeholders a location may hold. */
        public static final List<String> PLACEHOLDERS = List.of("scheme", "host", "path");

        public Redirect {
            if (!REDIRECT_CODES.contains(code)) {
                throw new IllegalArgumentException("redirect code " + code + " must be 301, 302, 303, 307 or 308");
            }
            Objects.requireNonNull(location, "location");
            if (location.isEmpty()) {
                throw new IllegalArgumentException("a redirect needs a location");
            }
            for (int i = 0; i < location.length(); i++) {
                char c = location.charAt(i);
                if (c <= 0x20 || c == 0x7f) {
                    throw new IllegalArgumentException(
                            "a redirect location must not hold spaces or control characters");
                }
                if (c == '{') {
                    int end = location.indexOf('}', i);
                    String p = end < 0 ? "" : location.substring(i + 1, end);
                    if (!PLACEHOLDERS.contains(p)) {
                        throw new IllegalArgumentException("unknown placeholder {" + p
                                + "} in location; the placeholders are {" + String.join("}, {", PLACEHOLDERS) + "}");
                    }
                    i = end;
                }
            }
        }
    }

    /** Builds {@link RouteConfig}. */
    public static final class Builder {
        private String host;
        private String pathPrefix;
        private String backend;
        private final List<String> methods = new ArrayList<>();
        private PathRegex pathRegex;
        private final List<HeaderMatch> headers = new ArrayList<>();
        private final List<QueryMatch> query = new ArrayList<>();
        private Redirect redirect;
        private int denyStatus;
        private final List<Cidr> allowFrom = new ArrayList<>();
        private final List<Cidr> sources = new ArrayList<>();

        private Builder() {}

        public Builder host(String h) {
            host = h;
            return this;
        }

        public Builder pathPrefix(String p) {
            pathPrefix = p;
            return this;
        }

        public Builder backend(String b) {
            backend = b;
            return this;
        }

        public Builder method(String m) {
            methods.add(m);
            return this;
        }

        public Builder pathRegex(String regex) {
            pathRegex = regex == null ? null : new PathRegex(regex);
            return this;
        }

        public Builder header(HeaderMatch h) {
            headers.add(h);
            return this;
        }

        public Builder query(QueryMatch q) {
            query.add(q);
            return this;
        }

        public Builder redirect(Redirect r) {
            redirect = r;
            return this;
        }

        public Builder deny(int status) {
            denyStatus = status;
            return this;
        }

        public Builder allowFrom(Cidr c) {
            allowFrom.add(c);
            return this;
        }

        public Builder source(Cidr c) {
            sources.add(c);
            return this;
        }

        public RouteConfig build() {
            return new RouteConfig(
                    host,
                    pathPrefix,
                    backend,
                    methods,
                    pathRegex,
                    headers,
                    query,
                    redirect,
                    denyStatus,
                    allowFrom,
                    sources);
        }
    }
}
