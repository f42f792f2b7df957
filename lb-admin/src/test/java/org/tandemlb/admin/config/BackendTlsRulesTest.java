package org.tandemlb.admin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.core.config.UpstreamTlsConfig;
import org.tandemlb.core.testsupport.TestCertificates;

/**
 * A backend's {@code tls}: its keys and defaults, and the problems {@code tandem check} prints
 * for it, a missing or bad {@code ca} file among them (it is read when the file is checked).
 */
class BackendTlsRulesTest {
    @TempDir
    Path dir;

    /** A backend whose line 4 is {@code tls: TLS}. */
    private static String backendWith(String tls) {
        return """
                backends:
                  - name: web
                    servers: [{ name: web1, address: "10.0.0.1:443" }]
                    tls: %s
                """.formatted(tls);
    }

    private static UpstreamTlsConfig tlsOf(String yaml) throws ConfigException {
        return ConfigLoader.parse("t.yaml", yaml, Map.of())
                .loadBalancer()
                .backend("web")
                .tls();
    }

    private static List<String> problems(String yaml) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("t.yaml", yaml, Map.of()));
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    /** A PEM file holding a CA certificate, made by the real openssl. */
    private Path caFile() {
        return TestCertificates.create(dir.resolve("ca")).caCertificate();
    }

    @Test
    void noTlsKeyMeansPlainConnections() throws Exception {
        assertNull(tlsOf("""
                backends:
                  - name: web
                    servers: [{ name: web1, address: "10.0.0.1:80" }]
                """));
    }

    @Test
    void anEmptyTlsMappingVerifiesAgainstTheSystemTrustStore() throws Exception {
        assertEquals(UpstreamTlsConfig.DEFAULTS, tlsOf(backendWith("{}")));
    }

    @Test
    void everyKey() throws Exception {
        Path ca = caFile();
        assertEquals(
                new UpstreamTlsConfig(true, ca, "web.internal", List.of("http/1.1")),
                tlsOf(backendWith("{ verify: true, ca: " + ca + ", sni: web.internal, alpn: [http/1.1] }")));
        assertEquals(
                new UpstreamTlsConfig(false, null, null, List.of()), tlsOf(backendWith("{ verify: false, alpn: [] }")));
    }

    @Test
    void aMisspeltKeyGetsASuggestion() {
        assertEquals(
                List.of("t.yaml:4:12: backends.web.tls: unknown key 'verfy'; did you mean 'verify'?"),
                problems(backendWith("{ verfy: false }")));
    }

    @Test
    void aMissingCaFileIsNamed() {
        Path missing = dir.resolve("nope.crt");
        assertEquals(
                List.of("t.yaml:4:16: backends.web.tls.ca: cannot read " + missing + ": no such file"),
                problems(backendWith("{ ca: " + missing + " }")));
    }

    @Test
    void aCaFileWithoutACertificateIsNamed() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.crt"), "# nothing here\n");
        assertEquals(
                List.of("t.yaml:4:16: backends.web.tls.ca: " + empty + " holds no PEM certificate"),
                problems(backendWith("{ ca: " + empty + " }")));
    }

    @Test
    void theCaIsNotReadWithoutVerification() throws Exception {
        Path missing = dir.resolve("nope.crt");
        assertEquals(
                new UpstreamTlsConfig(false, missing, null, null),
                tlsOf(backendWith("{ verify: false, ca: " + missing + " }")));
    }

    @Test
    void sniIsAHostName() {
        assertEquals(
                List.of("t.yaml:4:10: backends.web.tls: sni '10.0.0.1' is an IP address; SNI carries host names"
                        + " only (leave sni out to verify an IP address)"),
                problems(backendWith("{ sni: 10.0.0.1 }")));
    }

    @Test
    void httpModeOffersHttp11Only() {
        assertEquals(
                List.of("t.yaml:2:5: backends.web: backend web: tls.alpn: 'h2' cannot be offered: http mode speaks"
                        + " HTTP/1.1 to servers (offer http/1.1, or none with [])"),
                problems(backendWith("{ alpn: [h2, http/1.1] }")));
    }

    @Test
    void tcpModeOffersAnything() throws Exception {
        assertEquals(
                List.of("imap", "smtp"),
                ConfigLoader.parse("t.yaml", """
                backends:
                  - name: mail
                    mode: tcp
                    servers: [{ name: m1, address: "10.0.0.1:993" }]
                    tls: { alpn: [imap, smtp] }
                """, Map.of())
                        .loadBalancer()
                        .backend("mail")
                        .tls()
                        .alpn());
    }
}
