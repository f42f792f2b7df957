package org.tandemlb.core.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import org.tandemlb.core.config.TlsConfig;

/**
 * One certificate of a frontend, read from its files: the chain, the private key, the names it
 * is for and, when configured, the OCSP response to staple. Reading does file I/O: call
 * {@link #load} on a configuration thread, never on an event loop.
 */
public final class TlsCertificate {
    private final TlsConfig.Certificate source;
    private final byte[] certBytes;
    private final byte[] keyBytes;
    private final byte[] ocspBytes;
    private final List<X509Certificate> chain;
    private final PrivateKey key;
    private final List<String> names;

    private TlsCertificate(
            TlsConfig.Certificate source,
            byte[] certBytes,
            byte[] keyBytes,
            byte[] ocspBytes,
            List<X509Certificate> chain,
            PrivateKey key) {
        this.source = source;
        this.certBytes = certBytes;
        this.keyBytes = keyBytes;
        this.ocspBytes = ocspBytes;
        this.chain = List.copyOf(chain);
        this.key = key;
        this.names = names(chain.get(0));
    }

    /**
     * Reads and checks the files of {@code tls.certificates[index]}.
     *
     * @throws TlsFileException naming the file that cannot be read or used
     */
    public static TlsCertificate load(TlsConfig.Certificate c, int index) {
        byte[] certBytes = read(index, "cert", c.cert());
        byte[] keyBytes = read(index, "key", c.key());
        byte[] ocspBytes = c.ocsp() == null ? null : read(index, "ocsp", c.ocsp());
        List<X509Certificate> chain;
        try {
            chain = PemFiles.certificates(PemFiles.text(certBytes));
        } catch (CertificateException | IllegalArgumentException e) {
            throw new TlsFileException(
                    index, "cert", c.cert(), c.cert() + ": not a PEM certificate: " + e.getMessage(), e);
        }
        PrivateKey key;
        try {
            key = PemFiles.privateKey(PemFiles.text(keyBytes));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new TlsFileException(
                    index, "key", c.key(), c.key() + ": not a usable private key: " + e.getMessage(), e);
        }
        if (!matches(key, chain.get(0).getPublicKey())) {
            throw new TlsFileException(
                    index,
                    "key",
                    c.key(),
                    c.key() + ": this key does not match the certificate " + c.cert() + " ("
                            + chain.get(0).getSubjectX500Principal().getName() + ")",
                    null);
        }
        return new TlsCertificate(c, certBytes, keyBytes, ocspBytes, chain, key);
    }

    private static byte[] read(int index, String field, Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TlsFileException(
                    index,
                    field,
                    file,
                    file + ": cannot read it: " + (e instanceof NoSuchFileException ? "no such file" : e.toString()),
                    e);
        }
    }

    /** Whether {@code key} is the private half of {@code pub}: a signature made with one verifies with the other. */
    private static boolean matches(PrivateKey key, PublicKey pub) {
        if (!key.getAlgorithm().equals(pub.getAlgorithm())) {
            return false;
        }
        String algorithm = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        try {
            byte[] data = "tandem key check".getBytes(StandardCharsets.US_ASCII);
            Signature sign = Signature.getInstance(algorithm);
            sign.initSign(key);
            sign.update(data);
            byte[] signature = sign.sign();
            Signature verify = Signature.getInstance(algorithm);
            verify.initVerify(pub);
            verify.update(data);
            return verify.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /**
     * The DNS names of the certificate's subjectAltName, or, when it has none, its subject's
     * common name (RFC 6125 §6.4.4), in lower case; wildcards stay as {@code *.example.com}.
     */
    private static List<String> names(X509Certificate cert) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (Integer.valueOf(2).equals(san.get(0))) { // dNSName
                        out.add(((String) san.get(1)).toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // An unreadable extension: fall back to the common name.
        }
        if (out.isEmpty()) {
            try {
                for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                    if (rdn.getType().equalsIgnoreCase("CN")) {
                        out.add(rdn.getValue().toString().toLowerCase(Locale.ROOT));
                    }
                }
            } catch (InvalidNameException e) {
                // No usable name: the certificate can still be the default one.
            }
        }
        return List.copyOf(out);
    }

    /** The configuration it was read from. */
    public TlsConfig.Certificate source() {
        return source;
    }

    /** The names it is for (SNI), such as {@code www.example.com} or {@code *.example.com}. */
    public List<String> names() {
        return names;
    }

    /** When the server certificate expires. */
    public Instant notAfter() {
        return chain.get(0).getNotAfter().toInstant();
    }

    /** The chain, the server's certificate first. */
    public List<X509Certificate> chain() {
        return chain;
    }

    /** The private key. */
    PrivateKey key() {
        return key;
    }

    /** The DER OCSP response to staple, or null. */
    byte[] ocspResponse() {
        return ocspBytes;
    }

    /** Whether {@code other} was read from the same paths with the same contents. */
    public boolean sameFiles(TlsCertificate other) {
        return source.equals(other.source)
                && Arrays.equals(certBytes, other.certBytes)
                && Arrays.equals(keyBytes, other.keyBytes)
                && Arrays.equals(ocspBytes, other.ocspBytes);
    }
}
