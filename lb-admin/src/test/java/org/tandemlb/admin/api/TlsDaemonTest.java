package org.tandemlb.admin.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.admin.api.AdminClient.Answer;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.admin.daemon.Daemon;
import org.tandemlb.core.LoadBalancerException;
import org.tandemlb.core.testsupport.ChildProcess;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.testsupport.TestCertificates;
import org.tandemlb.core.testsupport.TestCertificates.Issued;
import org.tandemlb.core.testsupport.TestCertificates.KeyFormat;
import org.tandemlb.core.testsupport.TestCertificates.KeyType;

/** A daemon with a TLS frontend: curl through it, its status and metrics, a refused reload, TANDEM_TLS. */
class TlsDaemonTest {
    @TempDir
    Path dir;

    private TestBackend web;
    private Daemon daemon;
    private AdminClient admin;
    private TestCertificates ca;
    private Issued www;
    private Path cert;
    private Path key;
    private Path file;

    @BeforeEach
    void start() throws Exception {
        web = TestBackend.start("web");
        ca = TestCertificates.create(dir.resolve("ca"));
        www = ca.issue("www", KeyType.EC, KeyFormat.TRADITIONAL, "www.test");
        cert = Files.copy(www.chain(), dir.resolve("www.pem"));
        key = Files.copy(www.key(), dir.resolve("www.key"));
        file = Files.writeString(
                dir.resolve("tandem.yaml"), """
                node: lb-test
                admin:
                  listen: 127.0.0.1:0
                  token: t0ken
                frontends:
                  - name: www
                    bind: 127.0.0.1:0
                    default_backend: web
                    tls:
                      certificates:
                        - cert: %s
                          key: %s
                backends:
                  - name: web
                    servers:
                      - { name: web1, address: %s }
                """.formatted(cert, key, web.hostPort()), StandardCharsets.UTF_8);
        daemon = new Daemon(Map.of(), 1, Daemon.Admin.REQUIRED);
        daemon.start(ConfigLoader.load(file, Map.of()), file);
        admin = new AdminClient(daemon.adminAddress().orElseThrow());
    }

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.stop();
        }
        web.close();
    }

    private String curl() throws IOException {
        int port = daemon.loadBalancer().address("www").getPort();
        try (ChildProcess p = ChildProcess.command(
                        "curl",
                        "-sS",
                        "--http1.1",
                        "--cacert",
                        ca.caCertificate().toString(),
                        "--resolve",
                        "www.test:" + port + ":127.0.0.1",
                        "-o",
                        "/dev/null",
                        "-w",
                        "%{http_code}",
                        "https://www.test:" + port + "/")
                .start()) {
            assertTrue(p.awaitExit(Duration.ofSeconds(20)));
            return p.text().trim();
        }
    }

    @Test
    void servesHttpsAndShowsItsCertificateAndHandshakesInStatusAndMetrics() throws IOException {
        assertEquals("200", curl());
        JsonNode tls = admin.status().get("frontends").get(0).get("tls");
        assertEquals("openssl", tls.get("provider").asText(), "BoringSSL loads on the test machines");
        JsonNode c = tls.get("certificates").get(0);
        assertEquals(cert.toString(), c.get("file").asText());
        assertEquals("www.test", c.get("names").get(0).asText());
        assertTrue(c.get("not_after").asText().matches("\\d{4}-\\d\\d-\\d\\dT.*Z"), c.toString());
        await().until(() -> admin.metrics().value("tandem_tls_handshakes_total", "frontend", "www") == 1);
        for (String reason : List.of("protocol", "cipher", "certificate", "timeout", "closed", "other")) {
            assertEquals(
                    0,
                    admin.metrics().value("tandem_tls_handshake_failures_total", "frontend", "www", "reason", reason));
        }
    }

    @Test
    void aReloadWithAKeyThatDoesNotMatchIs400NamingTheFileAndChangesNothing() throws IOException {
        Issued other = ca.issue("other", KeyType.EC, KeyFormat.PKCS8, "www.test");
        Files.copy(other.key(), key, StandardCopyOption.REPLACE_EXISTING);

        Answer answer = admin.post("/api/v1/reload", "", "Bearer t0ken");

        assertEquals(400, answer.status(), answer.body());
        assertEquals(
                file + ":12:16: frontends.www.tls.certificates[0].key: " + key
                        + ": this key does not match the certificate " + cert + " (CN=www.test)",
                answer.json().get("errors").get(0).asText());
        assertEquals("200", curl(), "the certificate in force goes on");
    }

    @Test
    void anUnknownOrUnavailableTlsProviderFailsTheStartWithOneLine() {
        Daemon bad = new Daemon(Map.of("TANDEM_TLS", "gnutls"), 1, Daemon.Admin.OFF);
        LoadBalancerException e =
                assertThrows(LoadBalancerException.class, () -> bad.start(ConfigLoader.load(file, Map.of()), file));
        assertEquals("TANDEM_TLS=gnutls is not a TLS provider; use jdk or openssl", e.getMessage());
    }
}
