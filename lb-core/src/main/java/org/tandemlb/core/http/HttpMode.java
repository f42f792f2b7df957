package org.tandemlb.core.http;

import io.netty.channel.ChannelPipeline;
import java.util.concurrent.atomic.LongAdder;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.proxy.HttpConnectionPool;
import org.tandemlb.core.proxy.ProxyContext;

/**
 * The entry point of the {@code http} mode for a frontend: sets up an accepted client
 * connection's pipeline. Everything behind it (the connection's state machine, the exchanges,
 * the server side) is internal to this package.
 */
public final class HttpMode {
    private HttpMode() {}

    /**
     * Sets up an HTTP/1.1 client connection: an activity tap (timeouts, byte counts), Netty's
     * strict request decoder, Tandem's response encoder, and the connection's handler. A TLS or
     * PROXY-protocol handler goes in front of all of them.
     *
     * @param p              the new connection's pipeline
     * @param context        the shared proxy context
     * @param frontend       the frontend the connection was accepted by (its configuration then)
     * @param router         chooses each request's backend
     * @param pool           the pool of idle server connections
     * @param forwardedProto the value of {@code X-Forwarded-Proto}: {@code http} or {@code https}
     */
    public static void initClientPipeline(
            ChannelPipeline p,
            ProxyContext context,
            FrontendConfig frontend,
            Router router,
            HttpConnectionPool pool,
            String forwardedProto) {
        Http1Connection.initClientPipeline(p, new Http1Connection(context, frontend, router, pool, forwardedProto));
    }

    /**
     * Sets up a cleartext client connection: HTTP/1.1, or, on a frontend with {@code h2c} on,
     * HTTP/2 when the connection opens with its preface ({@link Http2Mode}).
     *
     * @param streamsTotal counts the HTTP/2 streams of the frontend's connections
     */
    public static void initClientPipeline(
            ChannelPipeline p,
            ProxyContext context,
            FrontendConfig frontend,
            Router router,
            HttpConnectionPool pool,
            String forwardedProto,
            LongAdder streamsTotal) {
        if (frontend.http2().h2c()) {
            p.addLast("h2c-detector", new H2cDetector(context, frontend, router, pool, forwardedProto, streamsTotal));
        } else {
            initClientPipeline(p, context, frontend, router, pool, forwardedProto);
        }
    }
}
