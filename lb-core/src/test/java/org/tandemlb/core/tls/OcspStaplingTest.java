package org.tandemlb.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.TlsConfig;
import org.tandemlb.core.testsupport.TestCertificates;
import org.tandemlb.core.testsupport.TestCertificates.Issued;
import org.tandemlb.core.testsupport.TestCertificates.KeyFormat;
import org.tandemlb.core.testsupport.TestCertificates.KeyType;

/**
 * OCSP stapling: a DER response made by the test CA acting as its own OCSP responder
 * ({@code openssl ocsp -index}), stapled by the openssl provider, not by the jdk one.
 */
class OcspStaplingTest {
    @TempDir
    Path dir;

    private LoadBalancer lb;

    @AfterEach
    void stop() {
        if (lb != null) {
            lb.close();
        }
    }

    private int start(TlsProvider provider, Issued cert, Path ocsp) {
        LoadBalancerConfig cfg = LoadBalancerConfig.builder()
                .backend(BackendConfig.builder("be", Mode.HTTP).build())
                .frontend(FrontendConfig.builder("fe", Mode.HTTP)
                        .bind("127.0.0.1:0")
                        .defaultBackend("be")
                        .tls(TlsConfig.builder()
                                .certificate(new TlsConfig.Certificate(cert.chain(), cert.key(), ocsp))
                                .build())
                        .build())
                .build();
        lb = LoadBalancer.builder(cfg).threads(1).tlsProvider(provider).build();
        lb.start();
        return lb.address("fe").getPort();
    }

    /** The CA's OCSP response saying {@code cert} is good, as `openssl ocsp -respout` writes it. */
    private Path ocspResponse(Path caDir, TestCertificates ca, Issued cert) throws Exception {
        String serial = openssl("x509", "-in", cert.certificate().toString(), "-noout", "-serial")
                .trim()
                .substring("serial=".length());
        // index.txt of `openssl ca`: status, expiry (YYMMDDHHMMSSZ), revocation, serial, file, subject.
        Path index = dir.resolve("index.txt");
        Files.writeString(index, "V\t300101000000Z\t\t" + serial + "\tunknown\t/CN=ocsp.test\n");
        Path request = dir.resolve("request.der");
        Path response = dir.resolve("response.der");
        openssl(
                "ocsp",
                "-issuer",
                ca.caCertificate().toString(),
                "-cert",
                cert.certificate().toString(),
                "-reqout",
                request.toString());
        openssl(
                "ocsp",
                "-index",
                index.toString(),
                "-rsigner",
                ca.caCertificate().toString(),
                "-rkey",
                caDir.resolve("ca.key").toString(),
                "-CA",
                ca.caCertificate().toString(),
                "-reqin",
                request.toString(),
                "-respout",
                response.toString(),
                "-ndays",
                "1");
        assertTrue(Files.size(response) > 0);
        return response;
    }

    private static String openssl(String... args) {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        return TlsClients.run(null, command);
    }

    @Test
    void theOpensslProviderStaplesTheResponseAndTheJdkOneDoesNot() throws Exception {
        Path caDir = dir.resolve("ca");
        TestCertificates ca = TestCertificates.create(caDir);
        Issued cert = ca.issue("ocsp", KeyType.EC, KeyFormat.PKCS8, "ocsp.test");
        Path response = ocspResponse(caDir, ca, cert);

        int port = start(TlsProvider.OPENSSL, cert, response);
        String out = TlsClients.sClient(
                port,
                "-servername",
                "ocsp.test",
                "-status",
                "-CAfile",
                ca.caCertificate().toString());
        assertTrue(out.contains("OCSP Response Status: successful"), out);
        assertTrue(out.contains("Cert Status: good"), out);
        assertEquals("ocsp.test", TlsClients.subject(out));
        lb.close();

        port = start(TlsProvider.JDK, cert, response);
        out = TlsClients.sClient(port, "-servername", "ocsp.test", "-status");
        assertTrue(out.contains("OCSP response: no response sent"), out);
        assertEquals("ocsp.test", TlsClients.subject(out));
    }
}
