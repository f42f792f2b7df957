package org.tandemlb.admin.importer;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The backend side of an HAProxy {@code backend} or {@code listen} section: mode, balance,
 * servers and {@code default-server}, the health check ({@code option httpchk},
 * {@code http-check}, {@code option mysql-check}, the servers' {@code check inter rise fall}),
 * the server-side timeouts, retries, {@code send-proxy} and {@code ssl}. HAProxy sets checks,
 * slow start, the PROXY protocol and TLS per server, Tandem per backend: when the servers of a
 * backend differ, the first server's setting is taken and the others' lines are noted.
 */
final class BackendTranslator {

    private static final Map<String, String> CHECK_KEYS = Map.of(
            "inter",
            "interval",
            "fastinter",
            "fast_interval",
            "downinter",
            "down_interval",
            "rise",
            "rise",
            "fall",
            "fall");

    private final Context ctx;
    private final Directive header;
    private final String name;

    String mode;
    String balance;
    String balanceComment;
    /** {@code balance uri}, {@code hdr(NAME)}, {@code url_param NAME}: Tandem's hash key, or null. */
    String hashKey;
    /** {@code hash-balance-factor}, as Tandem's bound, or null. */
    String hashBound;
    /** {@code cookie}: Tandem's persistence keys, or empty. */
    final Map<String, String> persistence = new LinkedHashMap<>();

    final Map<String, String> timeouts = new LinkedHashMap<>();
    String retries;
    String checkTimeout;
    /** The check from the options: type, then the http or mysql keys. */
    final Map<String, String> check = new LinkedHashMap<>();

    private final List<String> defaultServer = new ArrayList<>();
    private final List<Directive> serverLines = new ArrayList<>();
    private Directive checkOption;
    /** Header rules and error pages (deny and redirect are the frontend's). */
    final HttpRuleTranslator rules;

    BackendTranslator(Context ctx, Directive header, String name) {
        this.ctx = ctx;
        this.header = header;
        this.name = name;
        this.rules = new HttpRuleTranslator(ctx, new AclRoutes(), false);
    }

    String name() {
        return name;
    }

    Directive header() {
        return header;
    }

    boolean hasServers() {
        return !serverLines.isEmpty();
    }

    /** Takes {@code d} when it is a backend matter. */
    boolean apply(Directive d) {
        switch (d.keyword()) {
            case "mode" -> mode = d.word(1);
            case "balance" -> balance(d);
            case "hash-balance-factor" -> hashBound(d);
            case "cookie" -> cookie(d);
            case "retries" -> retries = d.word(1);
            case "server" -> serverLines.add(d);
            case "default-server" -> defaultServer.addAll(d.words().subList(1, d.size()));
            case "timeout" -> {
                String key = switch (d.word(1)) {
                    case "connect", "server", "queue", "tunnel", "check" -> d.word(1);
                    default -> null;
                };
                if (key == null) {
                    return false;
                }
                String v = Durations.haproxy(d.word(2));
                if (v == null) {
                    ctx.notes.add(d, "Tandem's timeouts are more than 0 (HAProxy's 0 or none waits forever)");
                } else if (key.equals("check")) {
                    checkTimeout = v;
                } else {
                    timeouts.put(key, v);
                }
            }
            case "option" -> {
                return option(d);
            }
            case "http-check" -> httpCheck(d);
            case "http-request", "http-response", "http-after-response", "errorfile" -> {
                return rules.apply(d);
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private void balance(Directive d) {
        String b = d.word(1).replaceFirst("\\(.*", "");
        balanceComment = null;
        hashKey = null;
        balance = switch (b) {
            case "roundrobin", "leastconn", "random", "source" -> b;
            case "uri" -> {
                if (d.size() > 2) {
                    ctx.notes.add(
                            d,
                            "balance uri options " + String.join(" ", d.words().subList(2, d.size()))
                                    + " are not translated: Tandem hashes the path without the query");
                }
                hashKey = "uri";
                yield null;
            }
            case "hdr" -> {
                Matcher m = Pattern.compile("hdr\\(([^)]+)\\)").matcher(d.word(1));
                if (!m.matches()) {
                    ctx.notes.add(d, "balance " + d.word(1) + " names no header; roundrobin instead");
                    yield null;
                }
                hashKey = "header:" + m.group(1);
                yield null;
            }
            case "url_param" -> {
                if (d.size() > 3) {
                    ctx.notes.add(d, "balance url_param options after the name are not translated");
                }
                hashKey = d.size() > 2 ? "query:" + d.word(2) : null;
                yield null;
            }
            case "static-rr" -> {
                balanceComment = d.where() + ": static-rr; Tandem's roundrobin gives the same shares";
                yield "roundrobin";
            }
            default -> {
                ctx.notes.add(d, "Tandem has no balance " + b + "; roundrobin instead");
                yield null;
            }
        };
    }

    /** {@code hash-balance-factor N}: Tandem's {@code bound} is N / 100. */
    private void hashBound(Directive d) {
        try {
            int factor = Integer.parseInt(d.word(1));
            if (factor >= 100) {
                hashBound = factor % 100 == 0 ? Integer.toString(factor / 100) : Double.toString(factor / 100.0);
                return;
            }
        } catch (NumberFormatException e) {
            // noted below
        }
        ctx.notes.add(d, "hash-balance-factor " + d.word(1) + " is not 100 or more");
    }

    /** {@code cookie ...}: Tandem's {@code persistence} ({@link CookieTranslator}). */
    private void cookie(Directive d) {
        persistence.clear();
        persistence.putAll(CookieTranslator.persistence(d, ctx.notes));
    }

    private boolean option(Directive d) {
        switch (d.word(1)) {
            case "httpchk" -> {
                check.clear();
                check.put("type", "http");
                checkOption = d;
                // option httpchk [<method>] <uri> [<version>]: one word is the URI; OPTIONS is HAProxy's default.
                List<String> a = d.words().subList(2, d.size());
                String method = a.size() >= 2 ? a.get(0) : "OPTIONS";
                String uri = a.size() >= 2 ? a.get(1) : a.size() == 1 ? a.get(0) : "/";
                check.put("method", method);
                check.put("path", uri);
                if (a.size() >= 3) {
                    Matcher host =
                            Pattern.compile("(?i)\\r\\nHost:\\s*([^\\r\\n]+)").matcher(a.get(2));
                    if (host.find()) {
                        check.put("host", host.group(1).strip());
                    }
                }
            }
            case "mysql-check" -> {
                check.clear();
                check.put("type", "mysql");
                checkOption = d;
                if (d.word(2).equals("user") && !d.word(3).isEmpty()) {
                    check.put("user", d.word(3));
                }
            }
            case "tcp-check" -> {
                check.clear();
                check.put("type", "tcp");
                checkOption = d;
            }
            case "pgsql-check", "redis-check", "smtpchk", "ldap-check", "ssl-hello-chk", "spop-check" -> {
                check.clear();
                check.put("type", "tcp");
                checkOption = d;
                ctx.notes.add(d, "Tandem's checks are tcp, http and mysql: a tcp check (connect only) instead");
            }
            case "forwardfor" -> FrontendTranslator.forwardFor(ctx, d);
            case "redispatch" -> {
                // Tandem retries a failed connect on another server: what redispatch asks for.
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private void httpCheck(Directive d) {
        switch (d.word(1)) {
            case "send" -> {
                for (int i = 2; i + 1 < d.size(); i++) {
                    switch (d.word(i)) {
                        case "meth" -> check.put("method", d.word(++i));
                        case "uri" -> check.put("path", d.word(++i));
                        case "ver" -> i++;
                        case "hdr" -> {
                            if (d.word(i + 1).equalsIgnoreCase("host") && i + 2 < d.size()) {
                                check.put("host", d.word(i + 2));
                            } else {
                                ctx.notes.add(
                                        d, "a check sends Host only: hdr " + d.word(i + 1) + " is not translated");
                            }
                            i += 2;
                        }
                        default -> ctx.notes.add(d, "http-check send " + d.word(i) + " is not translated");
                    }
                }
            }
            case "expect" -> {
                String what = d.word(2);
                String value = d.word(3);
                String status = null;
                if (what.equals("status") && value.matches("\\d{3}(-\\d{3})?")) {
                    status = value;
                } else if (what.equals("rstatus")) {
                    status = Map.of("^2", "200-299", "^[23]", "200-399", "^[2-3]", "200-399", "^3", "300-399")
                            .get(value);
                } else if (what.equals("string") && !value.isEmpty()) {
                    check.put("expect_body", value);
                    return;
                }
                if (status == null) {
                    ctx.notes.add(d, "Tandem expects a status (200-399, 204) or a text in the body");
                } else {
                    check.put("expect_status", status);
                }
            }
            default -> ctx.notes.add(d, "http-check " + d.word(1) + " is not translated");
        }
    }

    /** The Tandem backend: servers, and the per-server settings gathered into the backend's. */
    TandemFile.Backend backend(String tandemName) {
        TandemFile.Backend be = new TandemFile.Backend();
        be.name = tandemName;
        be.origin = "from " + header.where() + " (" + header.text() + ")";
        be.mode = mode;
        be.balance = balance;
        be.balanceComment = balanceComment;
        if (hashKey != null) {
            be.balance =
                    "{ hash: " + YamlWriter.scalar(hashKey) + (hashBound == null ? "" : ", bound: " + hashBound) + " }";
        } else if (hashBound != null) {
            be.balanceComment = header.where() + ": hash-balance-factor applies to hash balancing only";
        }
        be.persistence.putAll(persistence);
        be.timeouts.putAll(timeouts);
        be.retries = retries;
        be.requestHeaders.addAll(rules.request);
        be.responseHeaders.addAll(rules.response);
        be.errorPages.putAll(rules.errorPages);
        PerBackend shared = new PerBackend();
        shared.checked = serverLines.stream().anyMatch(d -> {
            List<String> opts = new ArrayList<>(defaultServer);
            opts.addAll(d.words());
            return opts.lastIndexOf("check") > opts.lastIndexOf("no-check");
        });
        Set<String> names = new HashSet<>();
        for (Directive d : serverLines) {
            TandemFile.Server s = server(d, shared, names);
            if (s != null) {
                be.servers.add(s);
            }
        }
        if (shared.checked) {
            be.healthCheck.putAll(check.isEmpty() ? Map.of("type", "tcp") : check);
            shared.values.forEach((k, v) -> {
                if (CHECK_KEYS.containsKey(k)) {
                    be.healthCheck.put(CHECK_KEYS.get(k), v);
                }
            });
            if (checkTimeout != null) {
                be.healthCheck.put("timeout", checkTimeout);
            }
            if (shared.values.containsKey("check-send-proxy")) {
                be.healthCheck.put("send_proxy", shared.values.getOrDefault("send-proxy", "v1"));
            }
        } else if (checkOption != null) {
            ctx.notes.add(checkOption, "no server here has 'check', so neither HAProxy nor Tandem checks them");
        }
        be.slowStart = shared.values.get("slowstart");
        be.sendProxy = shared.values.get("send-proxy");
        if (shared.values.containsKey("proto")) {
            if (be.sendProxy == null) {
                be.protocol = "h2";
            } else {
                ctx.notes.add(
                        header,
                        "proto h2 with send-proxy: Tandem's HTTP/2 connections to a server carry many clients, so"
                                + " they send no PROXY header; the backend stays http1");
            }
        }
        if (shared.values.containsKey("ssl")) {
            be.tls = new LinkedHashMap<>();
            for (String k : List.of("verify", "ca", "sni")) {
                if (shared.values.containsKey(k)) {
                    be.tls.put(k, shared.values.get(k));
                }
            }
        }
        return be;
    }

    /** The settings HAProxy has per server and Tandem per backend, from the first server that sets each. */
    private static final class PerBackend {
        boolean checked;
        final Map<String, String> values = new LinkedHashMap<>();
    }

    private TandemFile.Server server(Directive d, PerBackend shared, Set<String> names) {
        String address = Addresses.server(d.word(2));
        if (address == null) {
            ctx.notes.add(d, "the server has no port, or a port offset: Tandem needs host:port");
            return null;
        }
        List<String> opts = new ArrayList<>(defaultServer);
        opts.addAll(d.words().subList(Math.min(3, d.size()), d.size()));
        Map<String, String> mine = new LinkedHashMap<>();
        String weight = null;
        String maxconn = null;
        boolean backup = false;
        boolean check = false;
        List<String> dropped = new ArrayList<>();
        for (int i = 0; i < opts.size(); i++) {
            String o = opts.get(i);
            String arg = ServerOptions.takesValue(o) && i + 1 < opts.size() ? opts.get(++i) : null;
            switch (o) {
                case "check" -> check = true;
                case "no-check" -> check = false;
                case "backup" -> backup = true;
                case "no-backup" -> backup = false;
                case "weight" -> weight = arg;
                case "maxconn" -> maxconn = arg;
                case "inter", "fastinter", "downinter", "slowstart" -> {
                    String v = Durations.haproxy(arg);
                    if (v == null) {
                        dropped.add(o + " " + arg);
                    } else {
                        mine.put(o, v);
                    }
                }
                case "rise", "fall" -> mine.put(o, arg);
                case "send-proxy" -> mine.put("send-proxy", "v1");
                case "send-proxy-v2" -> mine.put("send-proxy", "v2");
                case "check-send-proxy" -> mine.put("check-send-proxy", "true");
                case "ssl" -> mine.put("ssl", "true");
                case "no-ssl" -> mine.remove("ssl");
                case "check-ssl" -> {
                    // Tandem's checks use the backend's TLS settings.
                }
                case "verify" -> mine.put("verify", arg.equals("none") ? "false" : "true");
                case "ca-file" -> mine.put("ca", ctx.file(arg, ctx.caBase));
                case "sni" -> {
                    Matcher m = Pattern.compile("str\\(([^)]+)\\)").matcher(arg);
                    if (m.matches()) {
                        mine.put("sni", m.group(1));
                    } else {
                        dropped.add("sni " + arg + " (Tandem's sni is one fixed name)");
                    }
                }
                case "cookie" -> dropped.add("cookie " + arg + " (" + Reasons.SERVER_COOKIE + ")");
                // HTTP/2 to the server: forced (proto h2: h2c in clear, h2 over TLS) or offered
                // first by ALPN; Tandem's protocol: h2 does both and needs the server to speak it.
                case "proto", "alpn" -> {
                    if (arg.equals("h2") || o.equals("alpn") && arg.startsWith("h2,")) {
                        mine.put("proto", "h2");
                    } else if (!arg.equals("http/1.1") && !arg.startsWith("http/1.1,")) {
                        dropped.add(o + " " + arg + " (Tandem speaks http1 or h2 to servers)");
                    }
                }
                default -> dropped.add(arg == null ? o : o + " " + arg);
            }
        }
        List<String> differs = new ArrayList<>();
        for (Map.Entry<String, String> e : mine.entrySet()) {
            String before = shared.values.putIfAbsent(e.getKey(), e.getValue());
            if (before != null && !before.equals(e.getValue())) {
                differs.add(e.getKey() + " " + e.getValue());
            }
        }
        for (String k : shared.values.keySet()) {
            if (!mine.containsKey(k) && !CHECK_KEYS.containsKey(k)) {
                differs.add("no " + k);
            }
        }
        if (!dropped.isEmpty()) {
            ctx.notes.add(d, "server options not translated: " + String.join(", ", dropped));
        }
        if (!differs.isEmpty()) {
            ctx.notes.add(
                    d,
                    "Tandem sets this per backend, from the first server: " + String.join(", ", differs)
                            + " is not applied to this server");
        }
        String n = Names.of(d.word(1), "server");
        String comment = null;
        if (!n.equals(d.word(1)) || !names.add(n)) {
            n = Names.unique(n, names);
            comment = "was '" + d.word(1) + "'";
        }
        if (!check && shared.checked) {
            comment = (comment == null ? "" : comment + "; ")
                    + "no 'check' in HAProxy: Tandem checks every server of a backend";
        }
        return new TandemFile.Server(n, address, weight, backup, maxconn, comment);
    }
}
