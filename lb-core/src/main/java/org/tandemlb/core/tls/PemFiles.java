package org.tandemlb.core.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM certificates and private keys with the JDK alone. The JDK reads PKCS#8 keys only;
 * the traditional forms OpenSSL writes ({@code BEGIN RSA PRIVATE KEY}, PKCS#1, and
 * {@code BEGIN EC PRIVATE KEY}, SEC 1) are wrapped into PKCS#8 here (RFC 5208 §5), which takes a
 * few DER bytes rather than a BouncyCastle dependency.
 */
final class PemFiles {
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");
    /** rsaEncryption, 1.2.840.113549.1.1.1, with its NULL parameters. */
    private static final byte[] RSA_ALGORITHM = hex("300d06092a864886f70d0101010500");
    /** id-ecPublicKey, 1.2.840.10045.2.1. */
    private static final byte[] EC_PUBLIC_KEY = hex("06072a8648ce3d0201");

    private PemFiles() {}

    /** A PEM block: its label and DER content. */
    record Block(String label, byte[] der) {}

    /** The PEM blocks of {@code text}, in order. */
    static List<Block> blocks(String text) {
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String body = m.group(2);
            if (body.contains(":")) {
                // RFC 1421 headers (Proc-Type: 4,ENCRYPTED): an encrypted traditional key.
                out.add(new Block(m.group(1) + " (encrypted)", new byte[0]));
                continue;
            }
            try {
                out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(body)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the " + m.group(1) + " block is not valid base64");
            }
        }
        return out;
    }

    /** The certificates of a PEM chain, the server's first. */
    static List<X509Certificate> certificates(String text) throws CertificateException {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        List<X509Certificate> out = new ArrayList<>();
        for (Block b : blocks(text)) {
            if (b.label().equals("CERTIFICATE")) {
                out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.der())));
            }
        }
        if (out.isEmpty()) {
            throw new CertificateException("no -----BEGIN CERTIFICATE----- block in it");
        }
        return out;
    }

    /** The private key of a PEM file: PKCS#8, PKCS#1 (RSA) or SEC 1 (EC), unencrypted. */
    static PrivateKey privateKey(String text) throws GeneralSecurityException {
        for (Block b : blocks(text)) {
            switch (b.label()) {
                case "PRIVATE KEY":
                    return pkcs8(b.der());
                case "RSA PRIVATE KEY":
                    return KeyFactory.getInstance("RSA")
                            .generatePrivate(new PKCS8EncodedKeySpec(wrap(RSA_ALGORITHM, b.der())));
                case "EC PRIVATE KEY":
                    byte[] algorithm = sequence(EC_PUBLIC_KEY, ecCurve(b.der()));
                    return KeyFactory.getInstance("EC")
                            .generatePrivate(new PKCS8EncodedKeySpec(wrap(algorithm, b.der())));
                case "EC PARAMETERS":
                    continue; // written before the key by `openssl ecparam -genkey`
                default:
                    if (b.label().contains("ENCRYPTED")) {
                        throw new GeneralSecurityException("the key is encrypted; Tandem needs it unencrypted "
                                + "(openssl pkey -in FILE -out FILE.plain), readable by Tandem only");
                    }
            }
        }
        throw new GeneralSecurityException("no -----BEGIN PRIVATE KEY----- (or RSA/EC PRIVATE KEY) block in it");
    }

    private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
        GeneralSecurityException last = null;
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw new GeneralSecurityException("not an RSA or ECDSA key", last);
    }

    /**
     * The named curve of a SEC 1 key (RFC 5915 §3): ECPrivateKey ::= SEQUENCE { version INTEGER,
     * privateKey OCTET STRING, [0] parameters (the curve's OID), [1] publicKey }.
     */
    private static byte[] ecCurve(byte[] der) throws GeneralSecurityException {
        int[] pos = {0};
        expect(der, pos, 0x30);
        length(der, pos);
        while (pos[0] < der.length) {
            int tag = der[pos[0]++] & 0xff;
            int len = length(der, pos);
            if (tag == 0xa0) {
                byte[] oid = new byte[len];
                System.arraycopy(der, pos[0], oid, 0, len);
                return oid;
            }
            pos[0] += len;
        }
        throw new GeneralSecurityException("the EC key does not name its curve");
    }

    private static void expect(byte[] der, int[] pos, int tag) throws GeneralSecurityException {
        if (pos[0] >= der.length || (der[pos[0]++] & 0xff) != tag) {
            throw new GeneralSecurityException("not a DER key");
        }
    }

    private static int length(byte[] der, int[] pos) throws GeneralSecurityException {
        if (pos[0] >= der.length) {
            throw new GeneralSecurityException("not a DER key");
        }
        int first = der[pos[0]++] & 0xff;
        if (first < 0x80) {
            return first;
        }
        int n = first & 0x7f;
        if (n > 3 || pos[0] + n > der.length) {
            throw new GeneralSecurityException("not a DER key");
        }
        int len = 0;
        for (int i = 0; i < n; i++) {
            len = (len << 8) | (der[pos[0]++] & 0xff);
        }
        return len;
    }

    /** PrivateKeyInfo ::= SEQUENCE { version 0, algorithm, privateKey OCTET STRING }. */
    private static byte[] wrap(byte[] algorithm, byte[] key) {
        return sequence(new byte[] {0x02, 0x01, 0x00}, algorithm, tlv(0x04, key));
    }

    private static byte[] sequence(byte[]... parts) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            content.writeBytes(p);
        }
        return tlv(0x30, content.toByteArray());
    }

    static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int len = content.length;
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >> 16);
            out.write(len >> 8);
            out.write(len);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] hex(String s) {
        return java.util.HexFormat.of().parseHex(s);
    }

    /** The text of a PEM file's bytes. */
    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.US_ASCII);
    }
}
