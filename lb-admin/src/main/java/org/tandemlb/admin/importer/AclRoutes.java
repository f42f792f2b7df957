package org.tandemlb.admin.importer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * HAProxy's ACLs and {@code use_backend ... if COND} as Tandem routes, as far as routes express
 * them: a route matches a whole host name (without case), a path prefix and/or a path regular
 * expression. So {@code hdr(host)}, {@code path_beg} and {@code path_reg} translate (a
 * {@code path_reg} that is an anchored literal prefix such as {@code ^/api/} as a path prefix,
 * {@code -i} as {@code (?i)}), and {@code path}, {@code path_end}, {@code path_sub} and
 * {@code path_dir} as expressions; {@code hdr_beg(host)}, {@code src} (routes have no client-address
 * condition), negations and other fetches do not, and the rule using them is reported instead.
 */
final class AclRoutes {

    /** What a request must have: a host, a path prefix and/or a path expression (null: any). */
    record Match(String host, String pathPrefix, String pathRegex) {
        /** Every request: an expression every path has. */
        static final Match ANY = new Match(null, null, "^");
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
            acls.put(d.word(1), new Result(both, null));
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
            group = group == null ? term.matches() : and(group, term.matches());
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
        return new Result(all, null);
    }

    /** Every combination of one match of {@code a} and one of {@code b} that some request can meet. */
    private static List<Match> and(List<Match> a, List<Match> b) {
        List<Match> out = new ArrayList<>();
        for (Match x : a) {
            for (Match y : b) {
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
                out.add(new Match(host, path, regex));
            }
        }
        return out;
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
            case "src" -> "src";
            default -> "other";
        };
        if (values.isEmpty()) {
            return Result.fail(fetch + " without a value");
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
                case "src" -> {
                    return Result.fail("src (the client's address): routes have no such condition; a route's"
                            + " allow_from answers 403 to the other clients instead of passing them on");
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
                    return Result.fail(
                            words.get(0) + ": the importer translates conditions on the host and the path only");
                }
            }
        }
        return new Result(out, null);
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
