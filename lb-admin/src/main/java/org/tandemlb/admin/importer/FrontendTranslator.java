package org.tandemlb.admin.importer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The frontend side of an HAProxy {@code frontend} or {@code listen} section: binds, mode,
 * {@code maxconn}, the client-side timeouts, {@code default_backend}, {@code use_backend} rules
 * as routes, the HTTPS redirect and HSTS. {@link #frontends()} gives one Tandem frontend per
 * kind of bind, since TLS is a frontend setting in Tandem and a line of {@code bind} in HAProxy.
 */
final class FrontendTranslator {

    /** A rule's target and the routes it became (none when it did not translate). */
    record Rule(Directive directive, String backend, List<AclRoutes.Match> matches) {}

    /** One {@code bind} line: its addresses and the settings that decide which Tandem frontend takes it. */
    record Bind(
            Directive directive,
            List<String> addresses,
            List<String[]> certificates,
            List<String> alpn,
            boolean acceptProxy) {
        boolean tls() {
            return !certificates.isEmpty();
        }
    }

    /** Bind options that take a value (the others are flags). */
    private static final Set<String> BIND_ARGS = Set.of(
            "crt",
            "crt-list",
            "alpn",
            "npn",
            "name",
            "ssl-min-ver",
            "ssl-max-ver",
            "ciphers",
            "ciphersuites",
            "ca-file",
            "crl-file",
            "verify",
            "process",
            "thread",
            "interface",
            "mss",
            "maxconn",
            "backlog",
            "id",
            "level",
            "mode",
            "user",
            "group",
            "uid",
            "gid",
            "nice",
            "curves",
            "ecdhe",
            "severity-output",
            "tcp-ut",
            "label",
            "namespace",
            "proto",
            "ca-sign-file",
            "ca-sign-pass",
            "ca-verify-file",
            "sigalgs",
            "client-sigalgs",
            "expose-fd");
    /** Bind flags whose effect Tandem has anyway (it refuses SSLv3, TLS 1.0 and 1.1). */
    private static final Set<String> BIND_SAME = Set.of("ssl", "no-sslv3", "no-tlsv10", "no-tlsv11", "v4v6");

    private static final Pattern MAX_AGE = Pattern.compile("max-age=(\\d+)(.*)");

    private final Context ctx;
    private final Directive header;
    private final String name;
    private final AclRoutes acls = new AclRoutes();
    /** Header rules, error pages, and the deny and redirect rules that become routes. */
    final HttpRuleTranslator rules;

    String mode;
    final List<Bind> binds = new ArrayList<>();
    String maxConnections;
    final Map<String, String> timeouts = new LinkedHashMap<>();
    String defaultBackend;
    Directive defaultBackendDirective;
    final List<Rule> useBackends = new ArrayList<>();
    boolean stats;
    Directive redirect;
    String redirectComment;
    String hsts;
    Directive hstsDirective;

    FrontendTranslator(Context ctx, Directive header, String name) {
        this.ctx = ctx;
        this.header = header;
        this.name = name;
        this.rules = new HttpRuleTranslator(ctx, acls, true);
    }

    Directive header() {
        return header;
    }

    String name() {
        return name;
    }

    /** Takes {@code d} when it is a frontend matter; false leaves it to the backend side or the notes. */
    boolean apply(Directive d) {
        switch (d.keyword()) {
            case "mode" -> mode = d.word(1);
            case "bind" -> bind(d);
            case "maxconn" -> maxConnections = d.word(1);
            case "default_backend" -> {
                defaultBackend = d.word(1);
                defaultBackendDirective = d;
            }
            case "use_backend" -> useBackend(d);
            case "acl" -> acls.define(d);
            case "timeout" -> {
                String key = switch (d.word(1)) {
                    case "client" -> "client";
                    case "http-request" -> "http_request";
                    case "http-keep-alive" -> "keep_alive";
                    default -> null;
                };
                if (key == null) {
                    return false;
                }
                String v = Durations.haproxy(d.word(2));
                if (v == null) {
                    ctx.notes.add(d, "Tandem's timeouts are more than 0 (HAProxy's 0 or none waits forever)");
                } else {
                    timeouts.put(key, v);
                }
            }
            case "stats" -> {
                stats = true;
                ctx.notes.add(d, Reasons.STATS);
            }
            case "redirect" -> {
                if (!d.word(1).equals("scheme")) {
                    return rules.apply(d);
                }
                redirect(d, 1);
            }
            case "http-request" -> {
                if (!d.word(1).equals("redirect") || !d.word(2).equals("scheme")) {
                    return rules.apply(d);
                }
                redirect(d, 2);
            }
            case "http-response", "http-after-response" -> {
                return hsts(d) || rules.apply(d);
            }
            case "errorfile" -> {
                return rules.apply(d);
            }
            case "option" -> {
                if (!d.word(1).equals("forwardfor")) {
                    return false;
                }
                forwardFor(ctx, d);
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** {@code option forwardfor}: Tandem always adds X-Forwarded-For (docs/behaviour.md); only options differ. */
    static void forwardFor(Context ctx, Directive d) {
        if (d.size() > 2) {
            ctx.notes.add(
                    d,
                    "X-Forwarded-For is always added, with the client address appended; "
                            + String.join(" ", d.words().subList(2, d.size())) + " is not translated");
        }
    }

    private void bind(Directive d) {
        List<String> addresses = new ArrayList<>();
        for (String a : d.word(1).split(",")) {
            String hp = Addresses.bind(a);
            if (hp == null) {
                ctx.notes.add(d, "the address " + a + " is not host:port (Tandem binds TCP ports, one per address)");
            } else {
                addresses.add(hp);
            }
        }
        List<String[]> certs = new ArrayList<>();
        List<String> alpn = null;
        boolean ssl = false;
        boolean acceptProxy = false;
        List<String> dropped = new ArrayList<>();
        for (int i = 2; i < d.size(); i++) {
            String o = d.word(i);
            String arg = BIND_ARGS.contains(o) && i + 1 < d.size() ? d.word(++i) : null;
            switch (o) {
                case "ssl" -> ssl = true;
                case "crt" -> certs.addAll(certificates(d, arg));
                case "alpn" -> alpn = Arrays.asList(arg.split(","));
                case "accept-proxy" -> acceptProxy = true;
                case "ssl-min-ver" -> {
                    if (!arg.equals("TLSv1.2") && !arg.equals("TLSv1.0") && !arg.equals("TLSv1.1")) {
                        dropped.add(o + " " + arg);
                    }
                }
                default -> {
                    if (!BIND_SAME.contains(o)) {
                        dropped.add(arg == null ? o : o + " " + arg);
                    }
                }
            }
        }
        if (!dropped.isEmpty()) {
            ctx.notes.add(d, "bind options not translated: " + String.join(", ", dropped));
        }
        if (ssl && certs.isEmpty()) {
            ctx.notes.add(d, "ssl without crt: Tandem needs a certificate file");
        }
        if (!ssl) {
            certs.clear();
        }
        if (!addresses.isEmpty()) {
            binds.add(new Bind(d, addresses, certs, alpn, acceptProxy));
        }
    }

    /**
     * The {cert, key} pairs of {@code crt NAME}: Tandem reads the certificate chain and the key
     * from one combined PEM file as HAProxy does, so both point at the bundle; a directory gives
     * one pair per file in it, and a bundle without a key takes {@code NAME.key} beside it.
     */
    private List<String[]> certificates(Directive d, String crt) {
        if (crt == null) {
            return List.of();
        }
        Path p = Path.of(ctx.file(crt, ctx.crtBase));
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(p)) {
            try (Stream<Path> s = Files.list(p)) {
                s.filter(Files::isRegularFile)
                        .filter(f -> !f.toString().matches(".*\\.(key|ocsp|issuer|sctl)$"))
                        .sorted()
                        .forEach(files::add);
            } catch (IOException e) {
                ctx.notes.add(d, "the directory " + p + " cannot be listed here; list its certificates in tls");
            }
        } else {
            files.add(p);
        }
        List<String[]> out = new ArrayList<>();
        for (Path f : files) {
            String key = f.toString();
            try {
                String pem = Files.readString(f, StandardCharsets.ISO_8859_1);
                Path sibling = Path.of(f + ".key");
                if (!pem.contains("PRIVATE KEY-----") && Files.isReadable(sibling)) {
                    key = sibling.toString();
                }
            } catch (IOException e) {
                ctx.notes.add(d, f + " cannot be read here: tandem check reads it (the certificate chain and the key)");
            }
            out.add(new String[] {f.toString(), key});
        }
        return out;
    }

    private void useBackend(Directive d) {
        int cond = d.words().indexOf("if");
        if (cond < 0) {
            cond = d.words().indexOf("unless");
        }
        AclRoutes.Result r = cond < 0
                ? AclRoutes.Result.fail("a rule without a condition")
                : acls.condition(d.words().subList(cond, d.size()));
        if (d.word(1).contains("%[")) {
            r = AclRoutes.Result.fail("a backend name computed per request");
        }
        if (!r.ok()) {
            ctx.notes.add(d, "not a route: " + r.failure());
            return;
        }
        useBackends.add(new Rule(d, d.word(1), r.matches()));
    }

    /** {@code [http-request] redirect scheme https [code N] [if !{ ssl_fc }]}: redirect_https. */
    private void redirect(Directive d, int at) {
        String rest = String.join("", d.words().subList(Math.min(at + 2, d.size()), d.size()));
        Matcher m = Pattern.compile("(?:code(\\d+))?(.*)").matcher(rest);
        boolean https = d.word(at).equals("scheme") && d.word(at + 1).equals("https") && m.matches();
        String condition = https ? m.group(2) : "";
        if (!https || !(condition.isEmpty() || condition.equals("if!{ssl_fc}") || condition.equals("unless{ssl_fc}"))) {
            ctx.notes.add(d, "only 'redirect scheme https [if !{ ssl_fc }]' translates (redirect_https)");
            return;
        }
        redirect = d;
        String code = m.group(1);
        redirectComment = d.where()
                + (code != null && !code.equals("308")
                        ? ": HAProxy answered " + code + ", Tandem answers 308 (the method and body are kept)"
                        : "");
    }

    /** {@code http-response set-header Strict-Transport-Security "max-age=N"}: hsts. */
    private boolean hsts(Directive d) {
        if (!d.word(1).equals("set-header") || !d.word(2).equalsIgnoreCase("Strict-Transport-Security")) {
            return false;
        }
        Matcher m = MAX_AGE.matcher(d.word(3));
        if (!m.matches()) {
            ctx.notes.add(d, "a Strict-Transport-Security value without max-age=SECONDS");
            return true;
        }
        long seconds = Long.parseLong(m.group(1));
        hsts = seconds % 86_400 == 0 ? seconds / 86_400 + "d" : seconds + "s";
        hstsDirective = d;
        String extra = m.group(2).replaceFirst("^;\\s*", "");
        if (!extra.isBlank()
                || d.size() > 4
                        && !String.join(" ", d.words().subList(4, d.size())).equals("if { ssl_fc }")) {
            ctx.notes.add(
                    d,
                    "hsts sends max-age only (not: "
                            + (extra + " " + String.join(" ", d.words().subList(4, d.size()))).strip() + ")");
        }
        return true;
    }

    /** Whether the section has no backend at all: a stats page only, or nothing. */
    boolean routesNowhere() {
        return defaultBackend == null && useBackends.isEmpty();
    }

    /**
     * The Tandem frontends: one per distinct TLS setting of the binds (cleartext first, under the
     * section's name), each with the routes of {@code backendName}-mapped rules.
     */
    List<TandemFile.Frontend> frontends(Set<String> takenNames) {
        List<List<Bind>> groups = new ArrayList<>();
        for (Bind b : binds) {
            List<Bind> group = groups.stream()
                    .filter(g -> sameTls(g.get(0), b))
                    .findFirst()
                    .orElse(null);
            if (group == null) {
                groups.add(group = new ArrayList<>());
            }
            group.add(b);
        }
        List<TandemFile.Frontend> out = new ArrayList<>();
        for (List<Bind> group : groups) {
            Bind first = group.get(0);
            TandemFile.Frontend fe = new TandemFile.Frontend();
            String base = Names.of(name, "frontend");
            fe.name = Names.unique(out.isEmpty() ? base : base + (first.tls() ? "-tls" : ""), takenNames);
            fe.origin = "from " + header.where() + " (" + header.text() + ")"
                    + (groups.size() > 1
                            ? ", the binds of line "
                                    + String.join(
                                            ", ",
                                            group.stream()
                                                    .map(b -> String.valueOf(
                                                            b.directive().line()))
                                                    .toList())
                            : "");
            fe.mode = mode;
            group.forEach(b -> fe.binds.addAll(b.addresses()));
            fe.maxConnections = maxConnections;
            fe.timeouts.putAll(timeouts);
            fe.acceptProxy = first.acceptProxy();
            fe.requestHeaders.addAll(rules.request);
            fe.responseHeaders.addAll(rules.response);
            fe.errorPages.putAll(rules.errorPages);
            fe.certificates.addAll(first.certificates());
            if (first.tls()) {
                fe.alpn = first.alpn() != null ? first.alpn() : List.of("http/1.1");
                fe.alpnComment =
                        first.alpn() != null ? null : "HAProxy offered no ALPN here; [h2, http/1.1] adds HTTP/2";
                if (hsts != null) {
                    fe.hsts = hsts;
                }
            } else if (redirect != null) {
                fe.redirectHttps = true;
                fe.redirectComment = redirectComment;
            }
            out.add(fe);
        }
        if (hsts != null && out.stream().noneMatch(f -> f.hsts != null)) {
            ctx.notes.add(hstsDirective, "hsts needs a TLS frontend; this one has no ssl bind");
        }
        return out;
    }

    private static boolean sameTls(Bind a, Bind b) {
        return a.acceptProxy() == b.acceptProxy()
                && Objects.equals(a.alpn(), b.alpn())
                && a.certificates().size() == b.certificates().size()
                && IntStream.range(0, a.certificates().size())
                        .allMatch(i -> Arrays.equals(
                                a.certificates().get(i), b.certificates().get(i)));
    }
}
