package org.tandemlb.core.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.core.testsupport.TestCertificates.KeyFormat;
import org.tandemlb.core.testsupport.TestCertificates.KeyType;

class TestCertificatesTest {
    @TempDir
    Path dir;

    @Test
    void issuesCertificatesTheCaSignsWithTheNamesAndKeyFormatsAskedFor() throws Exception {
        TestCertificates certs = TestCertificates.create(dir);
        TestCertificates.Issued ec = certs.issue("ec", KeyType.EC, KeyFormat.PKCS8, "www.example.com", "*.example.org");
        TestCertificates.Issued rsa = certs.issue("rsa", KeyType.RSA, KeyFormat.TRADITIONAL, "127.0.0.1");

        assertTrue(Files.readString(ec.key()).startsWith("-----BEGIN PRIVATE KEY-----"));
        assertTrue(Files.readString(rsa.key()).startsWith("-----BEGIN RSA PRIVATE KEY-----"));

        X509TrustManager trust = trusting(certs.caCertificate());
        List<X509Certificate> ecChain = read(ec.chain());
        assertEquals(2, ecChain.size(), "leaf then CA");
        trust.checkServerTrusted(ecChain.toArray(X509Certificate[]::new), "ECDHE_ECDSA");
        assertEquals("EC", ecChain.get(0).getPublicKey().getAlgorithm());
        assertEquals(
                List.of(List.of(2, "www.example.com"), List.of(2, "*.example.org")),
                List.copyOf(ecChain.get(0).getSubjectAlternativeNames()));

        X509Certificate rsaLeaf = read(rsa.certificate()).get(0);
        trust.checkServerTrusted(new X509Certificate[] {rsaLeaf}, "ECDHE_RSA");
        assertEquals("RSA", rsaLeaf.getPublicKey().getAlgorithm());
        assertEquals(List.of(List.of(7, "127.0.0.1")), List.copyOf(rsaLeaf.getSubjectAlternativeNames()));
    }

    private static List<X509Certificate> read(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(X509Certificate.class::cast)
                    .toList();
        }
    }

    private static X509TrustManager trusting(Path ca) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        store.setCertificateEntry("ca", read(ca).get(0));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        return (X509TrustManager) tmf.getTrustManagers()[0];
    }
}
