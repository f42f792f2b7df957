package org.tandemlb.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tandemlb.core.config.TlsConfig;
import org.tandemlb.core.testsupport.TestCertificates;
import org.tandemlb.core.testsupport.TestCertificates.Issued;
import org.tandemlb.core.testsupport.TestCertificates.KeyFormat;
import org.tandemlb.core.testsupport.TestCertificates.KeyType;

/** Reading certificates and keys, and building contexts from them, with both providers. */
class TlsCertificateTest {
    @TempDir
    static Path dir;

    static TestCertificates ca;
    static Issued ecPkcs8;
    static Issued ecTraditional;
    static Issued rsaPkcs8;
    static Issued rsaTraditional;

    @BeforeAll
    static void certificates() {
        ca = TestCertificates.create(dir);
        ecPkcs8 = ca.issue("ec8", KeyType.EC, KeyFormat.PKCS8, "www.example.com", "*.example.org");
        ecTraditional = ca.issue("ect", KeyType.EC, KeyFormat.TRADITIONAL, "ec.example.com");
        rsaPkcs8 = ca.issue("rsa8", KeyType.RSA, KeyFormat.PKCS8, "rsa.example.com");
        rsaTraditional = ca.issue("rsat", KeyType.RSA, KeyFormat.TRADITIONAL, "Old.Example.com");
    }

    private static TlsConfig.Certificate of(Issued i) {
        return new TlsConfig.Certificate(i.chain(), i.key(), null);
    }

    @Test
    void readsRsaAndEcdsaKeysInPkcs8AndTraditionalForm() {
        for (Issued i : List.of(ecPkcs8, ecTraditional, rsaPkcs8, rsaTraditional)) {
            TlsCertificate c = TlsCertificate.load(of(i), 0);
            assertEquals(2, c.chain().size(), "leaf and CA");
            assertEquals(c.chain().get(0).getPublicKey().getAlgorithm(), c.key().getAlgorithm());
        }
        assertEquals(
                List.of("www.example.com", "*.example.org"),
                TlsCertificate.load(of(ecPkcs8), 0).names());
        assertEquals(
                List.of("old.example.com"),
                TlsCertificate.load(of(rsaTraditional), 0).names());
        assertTrue(TlsCertificate.load(of(ecPkcs8), 0).notAfter().isAfter(java.time.Instant.now()));
    }

    @Test
    void aKeyOfAnotherCertificateIsRefusedNamingTheKeyFile() {
        TlsFileException e = assertThrows(
                TlsFileException.class,
                () -> TlsCertificate.load(new TlsConfig.Certificate(ecPkcs8.chain(), ecTraditional.key(), null), 2));
        assertEquals(2, e.index());
        assertEquals("key", e.field());
        assertEquals(ecTraditional.key(), e.file());
        assertTrue(
                e.getMessage()
                        .startsWith(
                                ecTraditional.key() + ": this key does not match the certificate " + ecPkcs8.chain()),
                e.getMessage());
        // An RSA key for an ECDSA certificate, too.
        assertThrows(
                TlsFileException.class,
                () -> TlsCertificate.load(new TlsConfig.Certificate(ecPkcs8.chain(), rsaPkcs8.key(), null), 0));
    }

    @Test
    void unreadableOrWrongFilesAreRefusedNamingTheFile() throws Exception {
        Path missing = dir.resolve("missing.pem");
        TlsFileException e = assertThrows(
                TlsFileException.class,
                () -> TlsCertificate.load(new TlsConfig.Certificate(missing, ecPkcs8.key(), null), 0));
        assertEquals("cert", e.field());
        assertEquals(missing + ": cannot read it: no such file", e.getMessage());

        // The key file given as the certificate, and the other way round.
        e = assertThrows(
                TlsFileException.class,
                () -> TlsCertificate.load(new TlsConfig.Certificate(ecPkcs8.key(), ecPkcs8.key(), null), 0));
        assertEquals("cert", e.field());
        assertTrue(e.getMessage().contains("not a PEM certificate"), e.getMessage());
        e = assertThrows(
                TlsFileException.class,
                () -> TlsCertificate.load(new TlsConfig.Certificate(ecPkcs8.chain(), ecPkcs8.chain(), null), 0));
        assertEquals("key", e.field());

        Path encrypted = dir.resolve("encrypted.key");
        Files.writeString(
                encrypted, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n");
        e = assertThrows(
                TlsFileException.class,
                () -> TlsCertificate.load(new TlsConfig.Certificate(ecPkcs8.chain(), encrypted, null), 0));
        assertTrue(e.getMessage().contains("encrypted"), e.getMessage());
    }

    @Test
    void obsoleteProtocolsAreRefusedWithTheReason() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> TlsConfig.builder()
                        .certificate(ecPkcs8.chain(), ecPkcs8.key())
                        .protocols(List.of("TLSv1.1"))
                        .build());
        assertTrue(e.getMessage().startsWith("TLSv1.1 is refused: "), e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> TlsConfig.builder()
                        .certificate(ecPkcs8.chain(), ecPkcs8.key())
                        .protocols(List.of("SSLv3"))
                        .build());
        assertEquals(
                List.of("TLSv1.3", "TLSv1.2"),
                TlsConfig.builder()
                        .certificate(ecPkcs8.chain(), ecPkcs8.key())
                        .build()
                        .protocols());
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void buildsContextsAndKeepsThoseOfUnchangedFilesAtAReload(TlsProvider provider) throws Exception {
        assertTrue(provider.isAvailable(), provider + " must load on the test machines");
        TicketKeys keys = TicketKeys.random(Duration.ofHours(1), Clock.systemUTC());
        Path cert = dir.resolve("reload-" + provider + ".pem");
        Path key = dir.resolve("reload-" + provider + ".key");
        Files.copy(ecPkcs8.chain(), cert, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(ecPkcs8.key(), key, StandardCopyOption.REPLACE_EXISTING);
        TlsConfig config = TlsConfig.builder()
                .certificate(cert, key)
                .certificate(of(rsaTraditional))
                .build();
        ServerTls first = ServerTls.build("www", config, true, provider, keys, null);
        assertEquals(2, first.certificates().size());

        ServerTls same = ServerTls.build("www", config, true, provider, keys, first);
        assertSame(
                first.contextOf(same.certificates().get(0)),
                same.contextOf(same.certificates().get(0)));

        // Same paths, new contents: a new context for that certificate only.
        Files.copy(ecTraditional.chain(), cert, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(ecTraditional.key(), key, StandardCopyOption.REPLACE_EXISTING);
        ServerTls changed = ServerTls.build("www", config, true, provider, keys, same);
        assertEquals(List.of("ec.example.com"), changed.certificates().get(0).names());
        assertFalse(first.certificates().get(0).sameFiles(changed.certificates().get(0)));
        assertNotSame(
                same.contextOf(first.certificates().get(0)),
                changed.contextOf(changed.certificates().get(0)));
        assertSame(
                same.contextOf(same.certificates().get(1)),
                changed.contextOf(changed.certificates().get(1)));
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void tls13AloneBuilds(TlsProvider provider) {
        TlsConfig config = TlsConfig.builder()
                .certificate(of(rsaPkcs8))
                .protocols(List.of("TLSv1.3"))
                .build();
        assertEquals(
                1,
                ServerTls.build(
                                "www",
                                config,
                                true,
                                provider,
                                TicketKeys.random(Duration.ofHours(1), Clock.systemUTC()),
                                null)
                        .certificates()
                        .size());
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void aCipherTheProviderDoesNotKnowIsRefused(TlsProvider provider) {
        TlsConfig config = TlsConfig.builder()
                .certificate(of(ecPkcs8))
                .ciphers(List.of("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_NO_SUCH_CIPHER_WITH_NOTHING"))
                .build();
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> ServerTls.build(
                        "www",
                        config,
                        true,
                        provider,
                        TicketKeys.random(Duration.ofHours(1), Clock.systemUTC()),
                        null));
        assertTrue(e.getMessage().contains("TLS_NO_SUCH_CIPHER_WITH_NOTHING"), e.getMessage());
    }
}
