package org.tandemlb.core.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import java.time.Duration;
import org.tandemlb.core.backend.Server;

/**
 * Turns a client connection and its server connection into a byte tunnel: what follows an
 * accepted HTTP {@code Upgrade} (a {@code 101}, a WebSocket for instance), whatever protocol
 * carried the request. A {@link Relay} on each side; the server's slot is held until the server
 * connection closes.
 */
public final class Tunnel {
    private Tunnel() {}

    /**
     * Opens the tunnel. The caller has already taken every protocol handler out of both pipelines
     * (encoders first, so that no relayed byte meets one) except each side's decoder, named
     * {@code clientDecoder} and {@code serverDecoder}: removing a decoder hands the bytes it still
     * holds to the next handler, which must by then be the relay. On the event loop of both channels.
     *
     * @param client        the client connection
     * @param clientDecoder the name of the client pipeline's decoder
     * @param server        the server connection
     * @param serverDecoder the name of the server pipeline's decoder
     * @param slot          the server whose slot the connection holds (released when it closes)
     * @param idleTimeout   each side's inactivity timeout ({@code timeouts.tunnel})
     * @param flusher       the deferred flush of the event loop
     */
    public static void open(
            Channel client,
            String clientDecoder,
            Channel server,
            String serverDecoder,
            Server slot,
            Duration idleTimeout,
            DeferredFlush flusher) {
        server.closeFuture().addListener(f -> slot.release());
        ChannelPipeline cp = client.pipeline();
        ChannelPipeline sp = server.pipeline();
        cp.addLast("relay", new Relay(server, idleTimeout, flusher));
        sp.addLast("relay", new Relay(client, idleTimeout, flusher));
        cp.remove(clientDecoder);
        sp.remove(serverDecoder);
        client.flush();
        server.flush();
        client.config().setAutoRead(true);
        server.config().setAutoRead(true);
    }
}
