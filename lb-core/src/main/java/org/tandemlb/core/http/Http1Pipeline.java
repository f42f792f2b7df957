package org.tandemlb.core.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import java.time.Duration;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.proxy.DeferredFlush;
import org.tandemlb.core.proxy.Tunnel;

/**
 * The handlers of an HTTP/1.1 client connection, by name: set up when the connection is
 * accepted, and taken down when it leaves HTTP for a {@link Tunnel} after a 101.
 */
final class Http1Pipeline {
    private static final String ACTIVITY = "activity";
    private static final String DECODER = "http-decoder";
    private static final String ENCODER = "http-encoder";

    private Http1Pipeline() {}

    /**
     * Sets up a client connection's pipeline: an activity tap (for timeouts), the strict HTTP/1.1
     * request decoder ({@link RequestDecoder}) with the frontend's limits ({@code decoding}), Tandem's response encoder, and the connection's handler. A TLS or
     * PROXY-protocol handler goes in front of all of them.
     */
    static void init(
            ChannelPipeline p,
            HttpDecoderConfig decoding,
            ActivityTap tap,
            MessageEncoder encoder,
            ChannelHandler connection) {
        p.addLast(ACTIVITY, tap);
        p.addLast(DECODER, new RequestDecoder(decoding));
        p.addLast(ENCODER, encoder);
        p.addLast("proxy", connection);
    }

    /**
     * Leaves HTTP: the 101 already written goes out first, the HTTP handlers leave the client's
     * pipeline (the encoder first, so that no relayed byte meets it; the decoder once the relay
     * is in, so that bytes it holds still reach it), and both connections become a tunnel.
     */
    static void toTunnel(
            Channel client,
            ChannelHandler connection,
            Channel server,
            String serverDecoder,
            Server slot,
            Duration idleTimeout,
            DeferredFlush flusher) {
        client.writeAndFlush(Unpooled.EMPTY_BUFFER);
        ChannelPipeline cp = client.pipeline();
        cp.remove(ENCODER);
        cp.remove(ACTIVITY);
        cp.remove(connection);
        Tunnel.open(client, DECODER, server, serverDecoder, slot, idleTimeout, flusher);
    }
}
