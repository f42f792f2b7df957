package org.tandemlb.admin.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tandemlb.core.config.TlsConfig;
import org.tandemlb.core.tls.TlsCertificate;
import org.tandemlb.core.tls.TlsFileException;

/**
 * The rules of a frontend's {@code tls} section. The certificate and key files are read and
 * checked here (they exist, are PEM, and each key matches its certificate), so that
 * {@code tandem check} and a reload report a bad file at its line in the config, and a reload
 * with one changes nothing.
 */
final class TlsRules {
    private static final List<String> TLS_KEYS =
            List.of("certificates", "protocols", "ciphers", "alpn", "session_tickets", "session_cache");
    private static final List<String> CERTIFICATE_KEYS = List.of("cert", "key", "ocsp");

    private final Problems problems;

    TlsRules(Problems problems) {
        this.problems = problems;
    }

    /** The frontend's {@code tls}, or null when it has none or it has a problem (reported). */
    TlsConfig read(Section frontend) {
        int before = problems.count();
        Section s = frontend.section("tls", TLS_KEYS);
        if (s == null) {
            return null;
        }
        List<TlsConfig.Certificate> certificates = List.of();
        List<YamlNode> items = s.list("certificates");
        if (items == null) {
            s.missing("certificates");
        } else if (items.isEmpty()) {
            problems.report(s.value("certificates"), s.path("certificates"), "needs at least one certificate");
        } else {
            certificates = s.items("certificates", items, CERTIFICATE_KEYS, c -> {
                String cert = c.string("cert");
                String key = c.string("key");
                String ocsp = c.string("ocsp");
                c.required("cert");
                c.required("key");
                return () ->
                        new TlsConfig.Certificate(Path.of(cert), Path.of(key), ocsp == null ? null : Path.of(ocsp));
            });
            if (certificates.size() == items.size()) {
                checkFiles(s, items, certificates);
            }
        }
        List<String> protocols = strings(s, "protocols");
        if (protocols != null) {
            List<YamlNode> nodes = s.list("protocols");
            for (int i = 0; i < protocols.size(); i++) {
                try {
                    TlsConfig.checkProtocol(protocols.get(i));
                } catch (IllegalArgumentException e) {
                    problems.report(nodes.get(i), s.path("protocols") + "[" + i + "]", e.getMessage());
                }
            }
        }
        List<String> ciphers = strings(s, "ciphers");
        List<String> alpn = strings(s, "alpn");
        Boolean tickets = s.bool("session_tickets");
        Boolean cache = s.bool("session_cache");
        if (problems.count() != before) {
            return null;
        }
        List<TlsConfig.Certificate> certs = certificates;
        return problems.build(
                s.node,
                s.path,
                () -> new TlsConfig(
                        certs, protocols, ciphers, alpn, tickets == null || tickets, cache == null || cache));
    }

    /** Reads every certificate's files; a file that cannot be used is reported at its key. */
    private void checkFiles(Section tls, List<YamlNode> items, List<TlsConfig.Certificate> certificates) {
        for (int i = 0; i < certificates.size(); i++) {
            try {
                TlsCertificate.load(certificates.get(i), i);
            } catch (TlsFileException e) {
                Section item = tls.open(items.get(i), tls.path("certificates") + "[" + i + "]", CERTIFICATE_KEYS);
                problems.report(item.scalar(e.field()), item.path(e.field()), e.getMessage());
            }
        }
    }

    /** A list of strings under {@code key}; null when absent or with a problem (reported). */
    private List<String> strings(Section s, String key) {
        List<YamlNode> items = s.list(key);
        if (items == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i) instanceof YamlNode.Scalar sc && !sc.isNull() && !sc.alias()) {
                out.add(sc.text().trim());
            } else {
                problems.report(
                        items.get(i),
                        s.path(key) + "[" + i + "]",
                        "expected a value, not " + items.get(i).kind());
                return null;
            }
        }
        return out;
    }
}
