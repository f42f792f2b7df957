package org.tandemlb.admin.importer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.tandemlb.core.config.Cidr;

/**
 * HAProxy's ACLs and {@code use_backend ... if COND} as Tandem routes, as far as routes express
 * them: a route matches a whole host name (without case), a path prefix, a path regular
 * expression and/or the client's networks. So {@code hdr(host)}, {@code path_beg} and
 * {@code path_reg} translate (a {@code path_reg} that is an anchored literal prefix such as
 * {@code ^/api/} as a path prefix, {@code -i} as {@code (?i)}), {@code path}, {@code path_end},
 * {@code path_sub} and {@code path_dir} as expressions, and {@code src} as a route's
 * {@code source}; {@code hdr_beg(host)}, negations, two different {@code src} in AND and other
 * fetches do not, and the rule using them is reported instead.
 */
final class AclRoutes {

    /**
     * What a request must have: a host, a path prefix, a path expression and/or a client in one of
     * the networks {@code sources} (null: any).
     */
    record Match(String host, String pathPrefix, String pathRegex, List<String> sources) {
        /** Every request: an expression every path has. */
        static final Match ANY = new Match(null, null, "^", null);

        Match(String host, String pathPrefix, String pathRegex) {
            this(host, pathPrefix, pathRegex, null);
        }

        /** Whether it asks what {@code m} asks but for the client's networks, both having some. */
        boolean differsInSourcesOnly(Match m) {
            return sources != null
                    && m.sources != null
                    && Objects.equals(host, m.host)
                    && Objects.equals(pathPrefix, m.pathPrefix)
                    && Objects.equals(pathRegex, m.pathRegex);
        }
    }

    /** A condition's translation: the alternatives that match, or why it has none. */
    record Result(List<Match> matches, String failure) {
        static Result fail(String why) {
            return new Result(List.of(), why);
        }

        boolean ok() {
            return failure == null;
        }
    }

    /** More routes than this for one rule means a cross product gone wild: refuse it. */
    private static final int MAX_ROUTES = 64;

    private final Map<String, Result> acls = new LinkedHashMap<>();

    /** Records {@code acl NAME CRITERION [FLAGS] VALUES...}; lines with one name are alternatives. */
    void define(Directive d) {
        if (d.size() < 3) {
            acls.put(d.word(1), Result.fail("acl " + d.word(1) + " has no criterion"));
            return;
        }
        Result r = criterion(d.words().subList(2, d.size()));
        Result before = acls.get(d.word(1));
        if (before == null) {
            acls.put(d.word(1), r);
        } else if (!before.ok()) {
            return;
        } else if (!r.ok()) {
            acls.put(d.word(1), r);
        } else {
            List<Match> both = new ArrayList<>(before.matches());
            both.addAll(r.matches());
            acls.put(d.word(1), new Result(mergeSources(both), null));
        }
    }

    /**
     * The condition of a rule: {@code words} after the rule's own words, starting at {@code if}
     * or {@code unless}; an empty list is "always", which routes cannot say.
     */
    Result condition(List<String> words) {
        if (words.isEmpty()) {
            return Result.fail("a rule without a condition");
        }
        if (words.get(0).equals("unless")) {
            return Result.fail("'unless': a negated condition");
        }
        if (!words.get(0).equals("if")) {
            return Result.fail("'" + words.get(0) + "' where 'if' was expected");
        }
        List<Match> all = new ArrayList<>();
        List<Match> group = null; // the AND of the terms so far, null before the first term
        for (int i = 1; i < words.size(); i++) {
            String w = words.get(i);
            Result term;
            if (w.equals("or") || w.equals("||")) {
                if (group != null) {
                    all.addAll(group);
                }
                group = null;
                continue;
            } else if (w.startsWith("!")) {
                return Result.fail("'" + w + "': a negated condition");
            } else if (w.equals("{")) {
                int close = -1;
                for (int j = i + 1; j < words.size(); j++) {
                    if (words.get(j).equals("}")) {
                        close = j;
                        break;
                    }
                }
                if (close < 0) {
                    return Result.fail("'{' without '}'");
                }
                term = criterion(words.subList(i + 1, close));
                i = close;
            } else {
                term = acls.get(w);
                if (term == null) {
                    return Result.fail("acl '" + w + "' is not defined");
                }
            }
            if (!term.ok()) {
                return term;
            }
            if (group == null) {
                group = term.matches();
            } else {
                Result both = and(group, term.matches());
                if (!both.ok()) {
                    return both;
                }
                group = both.matches();
            }
            if (group.size() > MAX_ROUTES) {
                return Result.fail("more than " + MAX_ROUTES + " routes");
            }
        }
        if (group != null) {
            all.addAll(group);
        }
        if (all.isEmpty()) {
            return Result.fail("a condition no request can meet");
        }
        return new Result(mergeSources(all), null);
    }

    /**
     * Alternatives in a row that differ in their client networks only, as one route listing them
     * all ({@code acl office src A} and {@code acl office src B}, {@code if office or lab}).
     */
    private static List<Match> mergeSources(List<Match> alternatives) {
        List<Match> out = new ArrayList<>();
        for (Match m : alternatives) {
            Match last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last.differsInSourcesOnly(m)) {
                List<String> sources = new ArrayList<>(last.sources());
                m.sources().stream().filter(n -> !sources.contains(n)).forEach(sources::add);
                out.set(out.size() - 1, new Match(last.host(), last.pathPrefix(), last.pathRegex(), sources));
            } else {
                out.add(m);
            }
        }
        return out;
    }

    /**
     * Every combination of one match of {@code a} and one of {@code b} that some request can meet;
     * a failure when two combine different client networks (a route lists networks any of which
     * will do, not an intersection).
     */
    private static Result and(List<Match> a, List<Match> b) {
        List<Match> out = new ArrayList<>();
        for (Match x : a) {
            for (Match y : b) {
                List<String> sources = x.sources() == null ? y.sources() : x.sources();
                if (x.sources() != null
                        && y.sources() != null
                        && !Set.copyOf(x.sources()).equals(Set.copyOf(y.sources()))) {
                    return Result.fail("two different src conditions in AND (" + String.join(" ", x.sources())
                            + " and " + String.join(" ", y.sources()) + "): a route's source matches a client in any"
                            + " of its networks");
                }
                String host = x.host() == null ? y.host() : x.host();
                if (x.host() != null && y.host() != null && !x.host().equals(y.host())) {
                    continue;
                }
                String path = x.pathPrefix() == null ? y.pathPrefix() : x.pathPrefix();
                if (x.pathPrefix() != null && y.pathPrefix() != null) {
                    if (x.pathPrefix().startsWith(y.pathPrefix())) {
                        path = x.pathPrefix();
                    } else if (y.pathPrefix().startsWith(x.pathPrefix())) {
                        path = y.pathPrefix();
                    } else {
                        continue;
                    }
                }
                String regex = x.pathRegex() == null ? y.pathRegex() : x.pathRegex();
                if (x.pathRegex() != null
                        && y.pathRegex() != null
                        && !x.pathRegex().equals(y.pathRegex())) {
                    // Both found in the path: two look-aheads from its start.
                    regex = "^(?=.*?(?:" + x.pathRegex() + "))(?=.*?(?:" + y.pathRegex() + "))";
                }
                out.add(new Match(host, path, regex, sources));
            }
        }
        return new Result(out, null);
    }

    /** One criterion: {@code FETCH [-i] [-m METHOD] [--] VALUES...}. */
    static Result criterion(List<String> words) {
        if (words.isEmpty()) {
            return Result.fail("an empty condition");
        }
        String fetch = words.get(0).toLowerCase(Locale.ROOT);
        String method = null;
        List<String> values = new ArrayList<>();
        boolean flags = true;
        boolean ignoreCase = false;
        for (int i = 1; i < words.size(); i++) {
            String w = words.get(i);
            if (flags && w.equals("--")) {
                flags = false;
            } else if (flags && w.equals("-i")) {
                ignoreCase = true;
            } else if (flags && w.equals("-m") && i + 1 < words.size()) {
                method = words.get(++i);
            } else if (flags && (w.equals("-f") || w.equals("-M"))) {
                return Result.fail("patterns read from a file (" + w + ")");
            } else if (flags && w.startsWith("-") && w.length() > 1) {
                return Result.fail("the ACL flag " + w);
            } else {
                flags = false;
                values.add(w);
            }
        }
        String kind = switch (fetch) {
            case "hdr(host)", "req.hdr(host)", "hdr(host,-1)" -> method == null ? "host" : "host_" + method;
            case "hdr_beg(host)" -> "host_beg";
            case "hdr_end(host)" -> "host_end";
            case "hdr_dom(host)" -> "host_dom";
            case "hdr_reg(host)" -> "host_reg";
            case "path_beg", "path_reg", "path_end", "path_sub", "path_dir" -> fetch;
            case "path" -> method == null ? "path" : "path_" + method;
            case "src" -> method == null || method.equals("ip") ? "src" : "src_" + method;
            default -> "other";
        };
        if (values.isEmpty()) {
            return Result.fail(fetch + " without a value");
        }
        if (kind.equals("src")) {
            // One route lists the networks: a client in any of them matches, as in HAProxy.
            List<String> networks = new ArrayList<>();
            for (String v : values) {
                try {
                    networks.add(network(v));
                } catch (IllegalArgumentException e) {
                    return Result.fail("src " + e.getMessage());
                }
            }
            return new Result(List.of(new Match(null, null, null, networks)), null);
        }
        List<Match> out = new ArrayList<>();
        for (String v : values) {
            switch (kind) {
                case "host", "host_str" -> {
                    if (v.contains(":")) {
                        return Result.fail("a host with a port (" + v + "): Tandem routes compare the host without it");
                    }
                    out.add(new Match(v.toLowerCase(Locale.ROOT), null, null));
                }
                case "path_beg" -> {
                    if (!v.startsWith("/")) {
                        return Result.fail("a path prefix not starting with / (" + v + ")");
                    }
                    out.add(
                            ignoreCase && !v.toLowerCase(Locale.ROOT).equals(v.toUpperCase(Locale.ROOT))
                                    ? new Match(null, null, "^(?i)" + Pattern.quote(v))
                                    : new Match(null, v, null));
                }
                case "path_reg" -> {
                    String prefix = ignoreCase ? null : literalPrefix(v);
                    if (prefix != null) {
                        out.add(new Match(null, prefix, null));
                        continue;
                    }
                    String regex = ignoreCase ? "(?i)" + v : v;
                    try {
                        Pattern.compile(regex);
                    } catch (PatternSyntaxException e) {
                        return Result.fail(
                                "the regular expression " + v + " is not one Java reads: " + e.getDescription());
                    }
                    out.add(new Match(null, null, regex));
                }
                case "host_beg", "host_end", "host_dom", "host_reg", "host_sub" -> {
                    return Result.fail(
                            words.get(0) + " (" + kind.substring(5) + "): Tandem routes match whole host names only");
                }
                case "path", "path_str", "path_end", "path_sub", "path_dir" -> {
                    // As an expression: HAProxy's path, like Tandem's, is without the query.
                    String q = Pattern.quote(v);
                    String regex = switch (kind) {
                        case "path_end" -> q + "$";
                        case "path_sub" -> q;
                        case "path_dir" -> "(?:^|/)" + q + "(?:/|$)";
                        default -> "^" + q + "$";
                    };
                    out.add(new Match(null, null, ignoreCase ? "(?i)" + regex : regex));
                }
                default -> {
                    return Result.fail(words.get(0) + (method == null ? "" : " -m " + method)
                            + ": the importer translates conditions on the host, the path and the client's"
                            + " address (src, -m ip) only");
                }
            }
        }
        return new Result(out, null);
    }

    /**
     * An address or network of {@code src} as Tandem writes it: {@code 10.0.0.0/8},
     * {@code 192.168.1.5}, {@code 2001:db8::/32}; a dotted mask ({@code 10.0.0.0/255.0.0.0}) as its
     * prefix length.
     *
     * @throws IllegalArgumentException when it is not one (a host name, bits past the prefix)
     */
    static String network(String value) {
        String v = value;
        int slash = v.indexOf('/');
        if (slash > 0 && v.indexOf('.', slash) > 0) {
            v = v.substring(0, slash + 1) + maskLength(v.substring(slash + 1), value);
        }
        return Cidr.parse(v).toString();
    }

    /** The prefix length of a dotted IPv4 mask such as {@code 255.255.0.0}. */
    private static int maskLength(String mask, String value) {
        String[] parts = mask.split("\\.", -1);
        long bits = 0;
        for (String p : parts) {
            if (parts.length != 4
                    || p.isEmpty()
                    || p.length() > 3
                    || !p.chars().allMatch(Character::isDigit)
                    || Integer.parseInt(p) > 255) {
                throw new IllegalArgumentException("'" + value + "': the mask " + mask + " is not an IPv4 mask");
            }
            bits = bits << 8 | Integer.parseInt(p);
        }
        int length = Long.numberOfLeadingZeros(~bits & 0xffffffffL) - 32;
        if ((bits << length & 0xffffffffL) != 0) {
            throw new IllegalArgumentException("'" + value + "': the mask " + mask + " is not contiguous");
        }
        return length;
    }

    /** {@code ^/api/} or {@code ^/api/.*} as {@code /api/}; null for any other expression. */
    static String literalPrefix(String regex) {
        if (!regex.startsWith("^")) {
            return null;
        }
        StringBuilder lit = new StringBuilder();
        int i = 1;
        for (; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\' && i + 1 < regex.length() && !Character.isLetterOrDigit(regex.charAt(i + 1))) {
                lit.append(regex.charAt(++i));
            } else if (".[]()*+?{}|\\$^".indexOf(c) >= 0) {
                break;
            } else {
                lit.append(c);
            }
        }
        String rest = regex.substring(i);
        if (!(rest.isEmpty() || rest.equals(".*")) || lit.isEmpty() || lit.charAt(0) != '/') {
            return null;
        }
        return lit.toString();
    }
}
