package org.tandemlb.core.warmup;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The warm-up client's trust: exactly the certificates the frontends serve, whatever names they
 * are for (the client connects to 127.0.0.1, which no certificate names). Any other certificate
 * fails the handshake.
 */
public final class PinnedTrust extends X509ExtendedTrustManager {

    private final Set<X509Certificate> served;

    private PinnedTrust(Set<X509Certificate> served) {
        this.served = served;
    }

    /** A trust manager that trusts only {@code served}. */
    public static X509ExtendedTrustManager trusting(List<X509Certificate> served) {
        return new PinnedTrust(Set.copyOf(served));
    }

    /**
     * A client TLS context that trusts only {@code served}.
     *
     * @throws IllegalStateException when the JDK has no TLS context (it always has)
     */
    public static SSLContext context(List<X509Certificate> served) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trusting(served)}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no TLS client context for the warm-up", e);
        }
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0 || !served.contains(chain[0])) {
            throw new CertificateException("not a certificate this configuration serves");
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("the warm-up client trusts servers only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("the warm-up client trusts servers only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("the warm-up client trusts servers only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
