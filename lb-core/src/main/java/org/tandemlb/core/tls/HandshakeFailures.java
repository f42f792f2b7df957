package org.tandemlb.core.tls;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXReason;
import javax.net.ssl.SSLException;

/**
 * Says why a TLS handshake with a server failed, from the types in the exception's cause chain
 * (the JDK's messages are for developers, and vary between versions and providers).
 */
final class HandshakeFailures {
    private HandshakeFailures() {}

    /**
     * @param expectedName the name the certificate had to match
     * @param ca           the trusted CA file, or null for the JDK's trust store
     */
    static String describe(Throwable cause, String expectedName, Path ca) {
        if (find(cause, SslHandshakeTimeoutException.class) != null) {
            return "TLS handshake timed out";
        }
        String failed = "TLS handshake failed: ";
        if (find(cause, NotSslRecordException.class) != null) {
            return failed + "the server does not speak TLS";
        }
        if (find(cause, CertificateExpiredException.class) != null) {
            return failed + "the server's certificate has expired";
        }
        if (find(cause, CertificateNotYetValidException.class) != null) {
            return failed + "the server's certificate is not valid yet";
        }
        CertPathValidatorException invalid = find(cause, CertPathValidatorException.class);
        if (invalid != null && invalid.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
            return failed + "the server's certificate has expired";
        }
        if (invalid != null && invalid.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
            return failed + "the server's certificate is not valid yet";
        }
        String trustedBy = ca == null ? "the system's trust store" : ca.toString();
        if (find(cause, CertPathBuilderException.class) != null
                || (invalid != null && invalid.getReason() == PKIXReason.NO_TRUST_ANCHOR)) {
            return failed + "the server's certificate is not signed by a CA of " + trustedBy;
        }
        if (invalid != null) {
            return failed + "the server's certificate chain is invalid (" + invalid.getReason() + ")";
        }
        // What the trust manager throws beyond the chain checks above is the name check
        // (sun.security.util.HostnameChecker throws a plain CertificateException).
        if (find(cause, CertificateException.class) != null) {
            return failed + "certificate does not match " + expectedName;
        }
        if (find(cause, ClosedChannelException.class) != null) {
            return failed + "the server closed the connection";
        }
        SSLException ssl = find(cause, SSLException.class);
        Throwable shown = ssl != null ? ssl : cause;
        String m = shown.getMessage();
        return failed + (m == null || m.isBlank() ? shown.getClass().getSimpleName() : m);
    }

    private static <T extends Throwable> T find(Throwable cause, Class<T> type) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
