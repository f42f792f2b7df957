package org.tandemlb.admin.importer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tandemlb.core.config.ErrorPage;
import org.tandemlb.core.config.HeaderRule;

/**
 * A proxy's HTTP rules: {@code http-request} and {@code http-response}
 * {@code set-header}/{@code add-header}/{@code del-header} as Tandem's {@code request_headers} and
 * {@code response_headers}, {@code errorfile} as {@code error_pages}, and (frontend side)
 * {@code http-request deny} and {@code redirect location|prefix} as routes that deny or redirect.
 * HAProxy runs a frontend's {@code http-request} rules before its {@code use_backend} rules, so
 * these routes come first. A rule whose condition or value Tandem cannot say is noted.
 */
final class HttpRuleTranslator {

    /** A route that denies (status) or redirects (location, code, strip query) what its matches meet. */
    record Action(
            Directive directive,
            List<AclRoutes.Match> matches,
            String deny,
            String location,
            String code,
            boolean stripQuery) {}

    /** One header rule: {@code op} is set, add or delete; {@code value} is null for delete. */
    record Header(Directive directive, String op, String name, String value) {}

    /** HAProxy's log-format variables that have a Tandem placeholder. */
    private static final Map<String, String> PLACEHOLDERS = Map.of(
            "%[src]", "{client_ip}",
            "%ci", "{client_ip}",
            "%[ssl_fc_protocol]", "{tls_version}",
            "%sslv", "{tls_version}",
            "%f", "{frontend}",
            "%ft", "{frontend}",
            "%s", "{server}",
            "%ID", "{request_id}",
            "%[unique-id]", "{request_id}");

    private static final Pattern VARIABLE = Pattern.compile("%\\[[^\\]]*\\]|%\\{[^}]*\\}[A-Za-z]+|%[A-Za-z]+|%%|%");

    /** Headers Tandem writes itself, as HAProxy users set them (docs/behaviour.md). */
    private static final Set<String> FORWARDED = Set.of("x-forwarded-proto", "x-forwarded-for", "x-forwarded-host");

    private final Context ctx;
    private final AclRoutes acls;
    /** Whether the rules belong to a frontend (or listen): only there do deny and redirect become routes. */
    private final boolean frontend;

    final List<Header> request = new ArrayList<>();
    final List<Header> response = new ArrayList<>();
    final Map<String, String> errorPages = new LinkedHashMap<>();
    final List<Action> actions = new ArrayList<>();
    /** The {@code errorfile} lines, to note them where a tcp proxy takes them. */
    final List<Directive> errorFiles = new ArrayList<>();

    HttpRuleTranslator(Context ctx, AclRoutes acls, boolean frontend) {
        this.ctx = ctx;
        this.acls = acls;
        this.frontend = frontend;
    }

    /** Whether {@code d} is one of the lines this class reads. */
    static boolean handles(Directive d) {
        return switch (d.keyword()) {
            case "http-request", "http-response", "http-after-response", "errorfile" -> true;
            default -> false;
        };
    }

    /** Takes {@code d}; false leaves it to the notes (as an action Tandem does not have). */
    boolean apply(Directive d) {
        switch (d.keyword()) {
            case "errorfile" -> errorFile(d);
            case "http-request" -> {
                switch (d.word(1)) {
                    case "set-header", "add-header", "del-header" -> header(d, request, false);
                    case "deny" -> deny(d);
                    case "redirect" -> redirect(d, 2);
                    default -> {
                        return false;
                    }
                }
            }
            case "http-response", "http-after-response" -> {
                if (!Set.of("set-header", "add-header", "del-header").contains(d.word(1))) {
                    return false;
                }
                header(d, response, true);
            }
            case "redirect" -> redirect(d, 1);
            default -> {
                return false;
            }
        }
        return true;
    }

    /** Whether there is anything to write. */
    boolean isEmpty() {
        return request.isEmpty() && response.isEmpty() && errorPages.isEmpty() && actions.isEmpty();
    }

    /** Every line that became something, to note them when the proxy is in tcp mode. */
    List<Directive> directives() {
        List<Directive> all = new ArrayList<>();
        request.forEach(h -> all.add(h.directive()));
        response.forEach(h -> all.add(h.directive()));
        all.addAll(errorFiles);
        actions.forEach(a -> all.add(a.directive()));
        return all;
    }

    /** {@code errorfile CODE FILE}: the page, when Tandem reads it as it would at {@code tandem check}. */
    private void errorFile(Directive d) {
        int status;
        try {
            status = Integer.parseInt(d.word(1));
        } catch (NumberFormatException e) {
            ctx.notes.add(d, "'" + d.word(1) + "' is not a status");
            return;
        }
        if (d.word(2).isEmpty()) {
            ctx.notes.add(d, "errorfile without a file");
            return;
        }
        if (!ErrorPage.STATUSES.contains(status)) {
            ctx.notes.add(
                    d, "Tandem never answers " + status + " itself (its error pages: " + ErrorPage.STATUSES + ")");
            return;
        }
        String file = ctx.file(d.word(2), null);
        try {
            ErrorPage.read(status, Path.of(file));
        } catch (IllegalArgumentException e) {
            ctx.notes.add(d, e.getMessage() + "; add it under error_pages once it reads");
            return;
        }
        errorPages.put(String.valueOf(status), file);
        errorFiles.add(d);
    }

    /** {@code http-request|http-response set-header|add-header|del-header NAME [VALUE]} without a condition. */
    private void header(Directive d, List<Header> into, boolean responseSide) {
        String action = d.word(1);
        String name = d.word(2);
        boolean delete = action.equals("del-header");
        int rest = delete ? 3 : 4;
        if (name.isEmpty() || !delete && d.size() < 4) {
            ctx.notes.add(d, action + " needs a header name" + (delete ? "" : " and a value"));
            return;
        }
        if (!responseSide && FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
            forwarded(d, name, delete && d.size() == rest);
            return;
        }
        if (d.size() > rest) {
            String extra = String.join(" ", d.words().subList(rest, d.size()));
            ctx.notes.add(
                    d,
                    "a header rule with a condition (" + extra + "): Tandem's apply to every "
                            + (responseSide ? "response" : "request"));
            return;
        }
        String value = delete ? null : value(d, d.word(3));
        if (!delete && value == null) {
            return;
        }
        String op = switch (action) {
            case "set-header" -> "set";
            case "add-header" -> "add";
            default -> "delete";
        };
        try {
            HeaderRule rule = new HeaderRule(HeaderRule.Op.valueOf(op.toUpperCase(Locale.ROOT)), name, value);
            if (responseSide) {
                rule.checkResponseSide();
            }
        } catch (IllegalArgumentException e) {
            ctx.notes.add(d, e.getMessage());
            return;
        }
        into.add(new Header(d, op, name, value));
    }

    /**
     * A rule on a header Tandem writes itself. HAProxy runs {@code http-request} rules before
     * {@code option forwardfor} adds the client address, Tandem its rules after it adds its
     * {@code X-Forwarded-*}: so HAProxy's "del-header X-Forwarded-For" (drop what the client sent,
     * keep only its address) is Tandem's "set X-Forwarded-For {client_ip}"; the other rules are noted.
     */
    private void forwarded(Directive d, String name, boolean unconditionalDelete) {
        if (unconditionalDelete && name.equalsIgnoreCase("X-Forwarded-For")) {
            request.add(new Header(d, "set", name, "{client_ip}"));
            ctx.notes.add(
                    d,
                    "Tandem appends the client address to X-Forwarded-For after its rules: set to {client_ip},"
                            + " it holds the client address alone, as HAProxy's forwardfor after this line");
            return;
        }
        ctx.notes.add(d, "Tandem sets " + name + " itself on every request (docs/behaviour.md)");
    }

    /** A log-format value with Tandem's placeholders for the variables it has; null (noted) otherwise. */
    private String value(Directive d, String logFormat) {
        if (logFormat.contains("{") || logFormat.contains("}")) {
            ctx.notes.add(d, "a value with braces: Tandem reads {NAME} as a placeholder");
            return null;
        }
        StringBuilder out = new StringBuilder();
        Matcher m = VARIABLE.matcher(logFormat);
        int at = 0;
        while (m.find()) {
            out.append(logFormat, at, m.start());
            String v = m.group();
            if (v.equals("%%")) {
                out.append('%');
            } else if (PLACEHOLDERS.containsKey(v)) {
                out.append(PLACEHOLDERS.get(v));
            } else {
                ctx.notes.add(
                        d,
                        "the log-format variable " + v + " has no Tandem placeholder (they are {"
                                + String.join("}, {", HeaderRule.PLACEHOLDERS) + "})");
                return null;
            }
            at = m.end();
        }
        return out.append(logFormat.substring(at)).toString();
    }

    /** {@code http-request deny [deny_status N] [if|unless COND]}. */
    private void deny(Directive d) {
        if (!frontend) {
            ctx.notes.add(d, "a deny in a backend: Tandem denies in the frontend's routes, before a backend is chosen");
            return;
        }
        String status = "403";
        List<String> dropped = new ArrayList<>();
        int i = 2;
        for (; i < d.size() && !d.word(i).equals("if") && !d.word(i).equals("unless"); i++) {
            String o = d.word(i);
            if ((o.equals("deny_status") || o.equals("status")) && i + 1 < d.size()) {
                status = d.word(++i);
            } else {
                dropped.add(o);
            }
        }
        int code;
        try {
            code = Integer.parseInt(status);
        } catch (NumberFormatException e) {
            code = 0;
        }
        if (code < 400 || code > 599) {
            ctx.notes.add(d, "deny status " + status + ": Tandem denies with a status 400-599");
            return;
        }
        List<AclRoutes.Match> matches = matches(d, i);
        if (matches == null) {
            return;
        }
        if (!dropped.isEmpty()) {
            ctx.notes.add(
                    d,
                    "the deny is a route; its options are not translated: " + String.join(" ", dropped)
                            + " (error_pages give the page)");
        }
        actions.add(new Action(d, matches, status, null, null, false));
    }

    /**
     * {@code [http-request] redirect location|prefix URL [code N] [drop-query] [if|unless COND]} as
     * a route; {@code redirect scheme} is the frontend's {@code redirect_https} (FrontendTranslator).
     */
    private void redirect(Directive d, int at) {
        String kind = d.word(at);
        if (!frontend) {
            ctx.notes.add(d, "a redirect in a backend: Tandem redirects in the frontend's routes");
            return;
        }
        if (!kind.equals("location") && !kind.equals("prefix") || d.word(at + 1).isEmpty()) {
            ctx.notes.add(d, "only redirect location, prefix and scheme translate");
            return;
        }
        String target = d.word(at + 1);
        if (target.contains("%") || target.contains("{") || target.contains("}")) {
            ctx.notes.add(d, "a location computed per request: Tandem's have {scheme}, {host} and {path} only");
            return;
        }
        String code = "302";
        boolean dropQuery = false;
        List<String> dropped = new ArrayList<>();
        int i = at + 2;
        for (; i < d.size() && !d.word(i).equals("if") && !d.word(i).equals("unless"); i++) {
            String o = d.word(i);
            if (o.equals("code") && i + 1 < d.size()) {
                code = d.word(++i);
            } else if (o.equals("drop-query")) {
                dropQuery = true;
            } else {
                dropped.add(o);
            }
        }
        if (!Set.of("301", "302", "303", "307", "308").contains(code)) {
            ctx.notes.add(d, "redirect code " + code + ": Tandem redirects with 301, 302, 303, 307 or 308");
            return;
        }
        List<AclRoutes.Match> matches = matches(d, i);
        if (matches == null) {
            return;
        }
        if (!dropped.isEmpty()) {
            ctx.notes.add(d, "redirect options not translated: " + String.join(" ", dropped));
        }
        boolean prefix = kind.equals("prefix");
        // prefix: HAProxy appends the original path and query; location is sent as written.
        String location = prefix ? (target.equals("/") ? "" : target) + "{path}" : target;
        actions.add(new Action(d, matches, null, location, code, prefix && dropQuery));
    }

    /** The routes a rule's condition (from word {@code from}) becomes: every request without one; null (noted) if none. */
    private List<AclRoutes.Match> matches(Directive d, int from) {
        if (from >= d.size()) {
            return List.of(AclRoutes.Match.ANY);
        }
        AclRoutes.Result r = acls.condition(d.words().subList(from, d.size()));
        if (!r.ok()) {
            ctx.notes.add(d, "not a route: " + r.failure());
            return null;
        }
        return r.matches();
    }
}
