package org.tandemlb.core.http;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.HttpRules;
import org.tandemlb.core.proxy.ConnectAttempt;
import org.tandemlb.core.proxyprotocol.ClientAddresses;
import org.tandemlb.core.tls.TlsSession;

/**
 * Who a client connection is, worked out once per connection and shared by its requests (an
 * HTTP/1.1 connection's, an HTTP/2 connection's streams'): what an {@link Exchange} writes into
 * the forwarded head, balances on and logs.
 *
 * @param frontendName            the frontend's name, for the access log
 * @param forwardedProto          the value of {@code X-Forwarded-Proto}: {@code http} or {@code https}
 * @param strictTransportSecurity the {@code Strict-Transport-Security} value added to every
 *                                response from a server (the frontend's {@code hsts}), or null
 * @param address                 the client's address as text, for {@code X-Forwarded-For}
 * @param key                     the client's address bytes, the key of {@code source} balancing
 * @param tls                     the connection's TLS version and cipher, or null in cleartext
 * @param rules                   the frontend's header rules, request id and error pages
 */
record ClientIdentity(
        String frontendName,
        String forwardedProto,
        CharSequence strictTransportSecurity,
        String address,
        byte[] key,
        TlsSession tls,
        HttpRules rules) {

    /**
     * The identity of the client on {@code channel}: its address is the PROXY header's with
     * {@code accept_proxy}; called after the TLS handshake (ALPN hands the connection over then),
     * so the session is final.
     */
    static ClientIdentity of(Channel channel, FrontendConfig frontend, String forwardedProto) {
        InetSocketAddress isa = ClientAddresses.source(channel);
        String address = null;
        if (isa != null) {
            address = isa.getAddress() != null ? isa.getAddress().getHostAddress() : isa.getHostString();
        }
        return new ClientIdentity(
                frontend.name(),
                forwardedProto,
                HttpsRedirect.strictTransportSecurity(frontend),
                address,
                ConnectAttempt.clientKey(channel),
                TlsSession.of(channel),
                frontend.rules());
    }
}
