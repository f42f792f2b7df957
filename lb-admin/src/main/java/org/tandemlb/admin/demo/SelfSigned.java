package org.tandemlb.admin.demo;

import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.nio.file.Path;
import java.security.cert.CertificateException;

/**
 * The demo's throw-away certificate: self-signed for {@code localhost}, made at start in this
 * process (no openssl command), in temporary PEM files removed by {@link #delete()}.
 *
 * <p>Netty's {@code SelfSignedCertificate} makes it; Netty marks it deprecated because such a
 * certificate belongs in tests and demos only, which is exactly this use. It needs no
 * BouncyCastle and no JVM flag on JDK 17.
 */
@SuppressWarnings("deprecation")
final class SelfSigned {
    private final SelfSignedCertificate made;

    private SelfSigned(SelfSignedCertificate made) {
        this.made = made;
    }

    static SelfSigned make() {
        try {
            return new SelfSigned(new SelfSignedCertificate("localhost"));
        } catch (CertificateException e) {
            throw new IllegalStateException("cannot make the demo's self-signed certificate: " + e.getMessage(), e);
        }
    }

    /** The certificate's PEM file. */
    Path cert() {
        return made.certificate().toPath();
    }

    /** The private key's PEM file. */
    Path key() {
        return made.privateKey().toPath();
    }

    void delete() {
        made.delete();
    }
}
