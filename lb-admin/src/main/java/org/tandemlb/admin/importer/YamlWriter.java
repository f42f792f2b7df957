package org.tandemlb.admin.importer;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Prints a {@link TandemFile} as YAML, in the order of docs/configuration.md (node, admin,
 * defaults, frontends, backends, cluster), with the notes at the top and a comment naming the
 * origin of each frontend and backend.
 */
final class YamlWriter {

    /** Written without quotes: names, numbers, durations, addresses, paths. */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./-][A-Za-z0-9_./:@-]*");

    private static final List<String> YAML_WORDS = List.of("yes", "no", "on", "off", "null", "y", "n", "~");

    private final StringBuilder out = new StringBuilder();

    private YamlWriter() {}

    /** The whole file: {@code header} lines as comments, then the configuration. */
    static String write(List<String> header, TandemFile f) {
        YamlWriter w = new YamlWriter();
        header.forEach(h -> w.line(0, h.isEmpty() ? "#" : "# " + h));
        w.file(f);
        return w.out.toString();
    }

    private void file(TandemFile f) {
        if (f.node != null) {
            line(0, "node: " + scalar(f.node) + comment(f.nodeComment));
        }
        if (!f.defaultTimeouts.isEmpty() || f.defaultRetries != null) {
            line(0, "defaults:");
            map(1, "timeouts", f.defaultTimeouts);
            key(1, "retries", f.defaultRetries);
        }
        if (!f.frontends.isEmpty()) {
            line(0, "frontends:");
            f.frontends.forEach(this::frontend);
        }
        if (!f.backends.isEmpty()) {
            line(0, "backends:");
            f.backends.forEach(this::backend);
        }
        if (f.cluster != null) {
            cluster(f.cluster);
        }
        if (f.node == null
                && f.defaultTimeouts.isEmpty()
                && f.defaultRetries == null
                && f.frontends.isEmpty()
                && f.backends.isEmpty()
                && f.cluster == null) {
            // Nothing translated: still a file Tandem reads (an empty one is an error).
            line(0, "frontends: []");
        }
    }

    private void frontend(TandemFile.Frontend fe) {
        line(1, "# " + fe.origin);
        line(1, "- name: " + scalar(fe.name));
        key(2, "mode", fe.mode);
        if (fe.binds.size() == 1) {
            line(2, "bind: " + scalar(fe.binds.get(0)));
        } else {
            line(2, "bind:");
            fe.binds.forEach(b -> line(3, "- " + scalar(b)));
        }
        key(2, "max_connections", fe.maxConnections);
        key(2, "default_backend", fe.defaultBackend);
        if (!fe.routes.isEmpty()) {
            line(2, "routes:");
            for (TandemFile.Route r : fe.routes) {
                StringBuilder s = new StringBuilder("- { ");
                AclRoutes.Match m = r.match();
                if (m.host() != null) {
                    s.append("host: ").append(scalar(m.host())).append(", ");
                }
                if (m.pathPrefix() != null) {
                    s.append("path_prefix: ").append(scalar(m.pathPrefix())).append(", ");
                }
                if (m.pathRegex() != null) {
                    s.append("path_regex: ").append(regex(m.pathRegex())).append(", ");
                }
                if (m.sources() != null) {
                    s.append("source: [")
                            .append(String.join(
                                    ", ",
                                    m.sources().stream().map(YamlWriter::scalar).toList()))
                            .append("], ");
                }
                if (r.backend() != null) {
                    s.append("backend: ").append(scalar(r.backend()));
                } else if (r.deny() != null) {
                    s.append("deny: ").append(r.deny());
                } else {
                    s.append("redirect: { location: ")
                            .append(scalar(r.location()))
                            .append(", code: ")
                            .append(r.code());
                    if (r.stripQuery()) {
                        s.append(", strip_query: true");
                    }
                    s.append(" }");
                }
                line(3, s.append(" }") + comment(r.comment()));
            }
        }
        map(2, "timeouts", fe.timeouts);
        if (fe.acceptProxy) {
            line(2, "accept_proxy: true");
        }
        if (!fe.certificates.isEmpty()) {
            line(2, "tls:");
            line(3, "certificates:");
            for (String[] c : fe.certificates) {
                line(4, "- { cert: " + scalar(c[0]) + ", key: " + scalar(c[1]) + " }");
            }
            if (fe.alpn != null) {
                line(
                        3,
                        "alpn: ["
                                + String.join(
                                        ", ",
                                        fe.alpn.stream().map(YamlWriter::scalar).toList()) + "]"
                                + comment(fe.alpnComment));
            }
        }
        if (fe.redirectHttps) {
            line(2, "redirect_https: true" + comment(fe.redirectComment));
        }
        key(2, "hsts", fe.hsts);
        httpRules(fe.requestHeaders, fe.responseHeaders, fe.errorPages);
    }

    /** {@code request_headers}, {@code response_headers} and {@code error_pages}, each rule citing its line. */
    private void httpRules(
            List<HttpRuleTranslator.Header> request,
            List<HttpRuleTranslator.Header> response,
            Map<String, String> errorPages) {
        headers("request_headers", request);
        headers("response_headers", response);
        map(2, "error_pages", errorPages);
    }

    private void headers(String key, List<HttpRuleTranslator.Header> rules) {
        if (rules.isEmpty()) {
            return;
        }
        line(2, key + ":");
        for (HttpRuleTranslator.Header h : rules) {
            line(
                    3,
                    "- { " + h.op() + ": " + scalar(h.name())
                            + (h.value() == null ? "" : ", value: " + scalar(h.value())) + " }"
                            + comment(h.directive().where()));
        }
    }

    /** A regular expression in single quotes, where a backslash is itself. */
    private static String regex(String r) {
        return "'" + r.replace("'", "''") + "'";
    }

    private void backend(TandemFile.Backend be) {
        line(1, "# " + be.origin);
        line(1, "- name: " + scalar(be.name));
        key(2, "mode", be.mode);
        if (be.balance != null) {
            line(2, "balance: " + be.balance + comment(be.balanceComment));
        }
        map(2, "persistence", be.persistence);
        if (!be.healthCheck.isEmpty()) {
            map(2, "health_check", be.healthCheck);
        }
        map(2, "timeouts", be.timeouts);
        key(2, "retries", be.retries);
        key(2, "slow_start", be.slowStart);
        key(2, "send_proxy", be.sendProxy);
        key(2, "protocol", be.protocol);
        if (be.tls != null) {
            if (be.tls.isEmpty()) {
                line(2, "tls: {}");
            } else {
                map(2, "tls", be.tls);
            }
        }
        httpRules(be.requestHeaders, be.responseHeaders, be.errorPages);
        if (be.servers.isEmpty()) {
            line(2, "servers: []");
            return;
        }
        line(2, "servers:");
        for (TandemFile.Server s : be.servers) {
            StringBuilder b = new StringBuilder("- { name: ")
                    .append(scalar(s.name()))
                    .append(", address: ")
                    .append(scalar(s.address()));
            if (s.weight() != null) {
                b.append(", weight: ").append(s.weight());
            }
            if (s.backup()) {
                b.append(", backup: true");
            }
            if (s.maxConnections() != null) {
                b.append(", max_connections: ").append(s.maxConnections());
            }
            line(3, b.append(" }") + comment(s.comment()));
        }
    }

    private void cluster(TandemFile.Cluster c) {
        line(0, "cluster:");
        if (c.name != null) {
            line(1, "name: " + scalar(c.name) + comment(c.nameComment));
        }
        key(1, "bind", c.bind);
        line(1, "peers:");
        c.peers.forEach(p -> line(2, "- " + scalar(p)));
        key(1, "priority", c.priority);
        if (c.preempt != null) {
            line(1, "preempt: " + c.preempt + comment(c.preemptComment));
        }
        key(1, "secret", c.secret);
        if (!c.vips.isEmpty()) {
            line(1, "vips:");
            for (Map<String, String> vip : c.vips) {
                String prefix = "- ";
                for (Map.Entry<String, String> e : vip.entrySet()) {
                    line(2, prefix + e.getKey() + ": " + scalar(e.getValue()));
                    prefix = "  ";
                }
            }
        }
    }

    private void map(int indent, String name, Map<String, String> values) {
        if (values.isEmpty()) {
            return;
        }
        line(indent, name + ":");
        values.forEach((k, v) -> key(indent + 1, k, v));
    }

    private void key(int indent, String key, String value) {
        if (value != null) {
            line(indent, key + ": " + scalar(value));
        }
    }

    private void line(int indent, String text) {
        out.append("  ".repeat(indent)).append(text).append('\n');
    }

    private static String comment(String c) {
        return c == null ? "" : "   # " + c;
    }

    /** {@code s} plain when YAML reads it back as the same string, else double-quoted. */
    static String scalar(String s) {
        if (PLAIN.matcher(s).matches() && !YAML_WORDS.contains(s.toLowerCase(Locale.ROOT))) {
            return s;
        }
        StringBuilder q = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                case '\n' -> q.append("\\n");
                case '\r' -> q.append("\\r");
                case '\t' -> q.append("\\t");
                default -> q.append(c);
            }
        }
        return q.append('"').toString();
    }
}
