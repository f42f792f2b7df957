package org.tandemlb.core.tls;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import javax.net.ssl.SSLSession;

/**
 * The TLS version and cipher suite of a client connection, for its access-log entries.
 *
 * @param protocol the version, such as {@code TLSv1.3}
 * @param cipher   the cipher suite's IANA name, such as {@code TLS_AES_128_GCM_SHA256}
 */
public record TlsSession(String protocol, String cipher) {

    /**
     * The TLS session of {@code channel}, or of its parent (an HTTP/2 stream's connection); null
     * in cleartext or before the handshake is complete.
     */
    public static TlsSession of(Channel channel) {
        for (Channel c = channel; c != null; c = c.parent()) {
            SslHandler h = c.pipeline().get(SslHandler.class);
            if (h != null) {
                if (!h.handshakeFuture().isSuccess()) {
                    return null;
                }
                SSLSession s = h.engine().getSession();
                return new TlsSession(s.getProtocol(), s.getCipherSuite());
            }
        }
        return null;
    }
}
