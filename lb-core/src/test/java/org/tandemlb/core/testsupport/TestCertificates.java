package org.tandemlb.core.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Certificates for TLS tests, made by the real {@code openssl} command in a directory of the
 * test's own: a test CA, and server certificates it signs for the names a test asks for (exact or
 * wildcard, as subject alternative names), with ECDSA P-256 or RSA 2048 keys, the key written as
 * PKCS#8 ({@code BEGIN PRIVATE KEY}) or in the traditional form ({@code BEGIN EC PRIVATE KEY},
 * {@code BEGIN RSA PRIVATE KEY}), and a chain file (leaf, then the CA) as servers are configured.
 *
 * <pre>{@code
 * TestCertificates certs = TestCertificates.create(tempDir);
 * TestCertificates.Issued www = certs.issue("www", KeyType.EC, KeyFormat.PKCS8, "www.example.com");
 * // www.chain(), www.key(), certs.caCertificate()
 * }</pre>
 */
public final class TestCertificates {
    private static final Duration OPENSSL_TIMEOUT = Duration.ofSeconds(60);

    /** The key algorithm of a certificate. */
    public enum KeyType {
        /** ECDSA on P-256 (prime256v1). */
        EC,
        /** RSA, 2048 bits. */
        RSA
    }

    /** How the private key file is written. */
    public enum KeyFormat {
        /** {@code -----BEGIN PRIVATE KEY-----}. */
        PKCS8,
        /** {@code -----BEGIN EC PRIVATE KEY-----} or {@code -----BEGIN RSA PRIVATE KEY-----}. */
        TRADITIONAL
    }

    /**
     * A certificate issued by the test CA.
     *
     * @param certificate the leaf certificate alone (PEM)
     * @param chain       the leaf, then the CA certificate (PEM), as a server presents it
     * @param key         the private key (PEM, in the format asked for)
     */
    public record Issued(Path certificate, Path chain, Path key) {}

    private final Path dir;
    private final Path caKey;
    private final Path caCertificate;

    private TestCertificates(Path dir) {
        this.dir = dir;
        this.caKey = dir.resolve("ca.key");
        this.caCertificate = dir.resolve("ca.crt");
    }

    /** Makes a new test CA (ECDSA P-256, valid for a day) in {@code dir}. */
    public static TestCertificates create(Path dir) {
        TestCertificates certs = new TestCertificates(dir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        openssl(dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", certs.caKey.toString());
        openssl(
                dir,
                "req",
                "-x509",
                "-new",
                "-key",
                certs.caKey.toString(),
                "-sha256",
                "-days",
                "1",
                "-subj",
                "/CN=Tandem Test CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
                "-out",
                certs.caCertificate.toString());
        return certs;
    }

    /** The CA's certificate (PEM): what a client or Tandem's {@code ca} setting trusts. */
    public Path caCertificate() {
        return caCertificate;
    }

    /**
     * Issues a server certificate for {@code names} (the first is also the subject's CN), signed
     * by the test CA and valid for a day; its files are named after {@code label}.
     */
    public Issued issue(String label, KeyType type, KeyFormat format, String... names) {
        if (names.length == 0) {
            throw new IllegalArgumentException("a certificate needs at least one name");
        }
        Path key = dir.resolve(label + ".key");
        Path csr = dir.resolve(label + ".csr");
        Path cert = dir.resolve(label + ".crt");
        Path chain = dir.resolve(label + ".chain.pem");
        Path ext = dir.resolve(label + ".ext");
        if (type == KeyType.EC) {
            openssl(dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key.toString());
        } else {
            openssl(dir, "genrsa", "-traditional", "-out", key.toString(), "2048");
        }
        // Both commands above write the traditional form; PKCS#8 is converted from it.
        if (format == KeyFormat.PKCS8) {
            Path pkcs8 = dir.resolve(label + ".pk8");
            openssl(dir, "pkcs8", "-topk8", "-nocrypt", "-in", key.toString(), "-out", pkcs8.toString());
            move(pkcs8, key);
        }
        List<String> san = new ArrayList<>();
        for (String name : names) {
            san.add((Character.isDigit(name.charAt(0)) || name.contains(":") ? "IP:" : "DNS:") + name);
        }
        write(
                ext,
                "subjectAltName=" + String.join(",", san) + "\n"
                        + "basicConstraints=CA:FALSE\n"
                        + "keyUsage=critical,digitalSignature,keyEncipherment\n"
                        + "extendedKeyUsage=serverAuth\n");
        openssl(dir, "req", "-new", "-key", key.toString(), "-subj", "/CN=" + names[0], "-out", csr.toString());
        openssl(
                dir,
                "x509",
                "-req",
                "-in",
                csr.toString(),
                "-CA",
                caCertificate.toString(),
                "-CAkey",
                caKey.toString(),
                "-CAcreateserial",
                "-days",
                "1",
                "-sha256",
                "-extfile",
                ext.toString(),
                "-out",
                cert.toString());
        try {
            write(chain, Files.readString(cert) + Files.readString(caCertificate));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Issued(cert, chain, key);
    }

    /** Runs {@code openssl args...} in {@code dir}; fails with its output when it fails. */
    private static void openssl(Path dir, String... args) {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        try (ChildProcess p =
                ChildProcess.command(command).name("openssl").directory(dir).start()) {
            if (!p.awaitExit(OPENSSL_TIMEOUT)) {
                throw new IllegalStateException("openssl did not finish within " + OPENSSL_TIMEOUT + ": " + command);
            }
            if (p.exitCode() != 0) {
                throw new IllegalStateException(
                        "openssl failed (" + p.exitCode() + "): " + command + "\n" + p.output());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run openssl (apt-get install openssl)", e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void move(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
