package org.tandemlb.admin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.core.config.TlsConfig;
import org.tandemlb.core.testsupport.TestCertificates;
import org.tandemlb.core.testsupport.TestCertificates.Issued;
import org.tandemlb.core.testsupport.TestCertificates.KeyFormat;
import org.tandemlb.core.testsupport.TestCertificates.KeyType;

/** A frontend's {@code tls}: its keys, and its files checked as {@code tandem check} reports them. */
class TlsRulesTest {
    @TempDir
    static Path dir;

    static Issued www;
    static Issued api;

    @BeforeAll
    static void certificates() {
        TestCertificates ca = TestCertificates.create(dir);
        www = ca.issue("www", KeyType.EC, KeyFormat.PKCS8, "www.example.com");
        api = ca.issue("api", KeyType.RSA, KeyFormat.TRADITIONAL, "api.example.com");
    }

    /** A frontend whose tls section starts at line 5. */
    private static String frontend(String tls) {
        return """
                frontends:
                  - name: www
                    bind: 0.0.0.0:443
                    default_backend: web
                    tls:
                """ + tls.indent(6) + """
                backends:
                  - name: web
                """;
    }

    private static List<String> problems(String yaml) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("t.yaml", yaml, Map.of()));
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void certificatesAndSettingsLoadWithTheirDefaults() throws Exception {
        TandemConfig c = ConfigLoader.parse(
                "t.yaml", frontend("""
                certificates:
                  - { cert: %s, key: %s }
                  - { cert: %s, key: %s }
                """.formatted(www.chain(), www.key(), api.chain(), api.key())), Map.of());
        TlsConfig tls = c.loadBalancer().frontend("www").tls();
        assertEquals(
                List.of(
                        new TlsConfig.Certificate(www.chain(), www.key(), null),
                        new TlsConfig.Certificate(api.chain(), api.key(), null)),
                tls.certificates());
        assertEquals(TlsConfig.DEFAULT_PROTOCOLS, tls.protocols());
        assertEquals(TlsConfig.DEFAULT_CIPHERS, tls.ciphers());
        assertEquals(TlsConfig.DEFAULT_ALPN, tls.alpn());
        assertTrue(tls.sessionTickets() && tls.sessionCache(), "resumption is on by default");

        TlsConfig set = ConfigLoader.parse("t.yaml", frontend("""
                certificates: [{ cert: %s, key: %s }]
                protocols: [TLSv1.3]
                ciphers: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]
                alpn: [http/1.1]
                session_tickets: false
                session_cache: false
                """.formatted(www.chain(), www.key())), Map.of())
                .loadBalancer()
                .frontend("www")
                .tls();
        assertEquals(List.of("TLSv1.3"), set.protocols());
        assertEquals(List.of("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"), set.ciphers());
        assertFalse(set.sessionTickets());
        assertFalse(set.sessionCache());
    }

    @Test
    void aKeyThatDoesNotMatchItsCertificateIsAnErrorNamingTheFile() {
        assertEquals(
                List.of("t.yaml:10:16: frontends.www.tls.certificates[1].key: " + www.key()
                        + ": this key does not match the certificate " + api.chain() + " (CN=api.example.com)"),
                problems(frontend("""
                        certificates:
                          - cert: %s
                            key: %s
                          - cert: %s
                            key: %s
                        """.formatted(www.chain(), www.key(), api.chain(), www.key()))));
    }

    @Test
    void aMissingFileOrAnObsoleteProtocolIsAnError() {
        Path missing = dir.resolve("missing.crt");
        assertEquals(
                List.of(
                        "t.yaml:6:30: frontends.www.tls.certificates[0].cert: " + missing
                                + ": cannot read it: no such file",
                        "t.yaml:7:28: frontends.www.tls.protocols[1]: TLSv1.1 is refused: SSL and TLS 1.0/1.1 are broken or "
                                + "deprecated (RFC 8996); use TLSv1.2 and TLSv1.3"),
                problems(frontend("""
                        certificates: [{ cert: %s, key: %s }]
                        protocols: [TLSv1.2, TLSv1.1]
                        """.formatted(missing, www.key()))));
        assertEquals(List.of("t.yaml:6:7: frontends.www.tls: 'certificates' is required"), problems(frontend("""
                        protocols: [TLSv1.2]
                        """)));
    }
}
