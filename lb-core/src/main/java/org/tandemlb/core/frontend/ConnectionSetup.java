package org.tandemlb.core.frontend;

import io.netty.channel.ChannelPipeline;
import java.util.concurrent.atomic.LongAdder;
import org.tandemlb.core.config.FrontendConfig;

/**
 * What a frontend's accepted connections become once what comes first is done (the PROXY protocol
 * header, the TLS handshake): the engine's http and tcp pipelines. The load balancer supplies it,
 * so that a frontend (sockets, counters, TLS) knows nothing of the proxy's inside. Called on the
 * connection's event loop.
 */
public interface ConnectionSetup {
    /**
     * Sets up an http connection.
     *
     * @param config       the frontend's configuration when the connection was accepted
     * @param protocol     ALPN's choice on a TLS connection ({@code h2} or {@code http/1.1}); null
     *                     for a cleartext one (HTTP/1.1, or HTTP/2 by its preface with {@code h2c})
     * @param http2Streams counts the HTTP/2 streams the connection opens, for the frontend's metric
     */
    void http(ChannelPipeline pipeline, FrontendConfig config, String protocol, LongAdder http2Streams);

    /**
     * Sets up a tcp connection, whose reading is off until its server connection is up.
     *
     * @param running whether the channel is active already (its PROXY header was read)
     */
    void tcp(ChannelPipeline pipeline, FrontendConfig config, boolean running);
}
