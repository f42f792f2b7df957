package org.tandemlb.core;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ApplicationProtocolNames;
import java.util.concurrent.atomic.LongAdder;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.frontend.ConnectionSetup;
import org.tandemlb.core.frontend.HttpRoutes;
import org.tandemlb.core.http.Http2Mode;
import org.tandemlb.core.http.HttpMode;
import org.tandemlb.core.proxy.HttpConnectionPool;
import org.tandemlb.core.proxy.ProxyContext;
import org.tandemlb.core.tcp.TcpProxyHandler;

/** The engine's http and tcp pipelines, which the load balancer gives its frontends' connections. */
final class Pipelines implements ConnectionSetup {
    private final ProxyContext context;
    private final HttpConnectionPool pool;

    Pipelines(ProxyContext context, HttpConnectionPool pool) {
        this.context = context;
        this.pool = pool;
    }

    @Override
    public void http(ChannelPipeline p, FrontendConfig config, String protocol, LongAdder http2Streams) {
        HttpRoutes routes = new HttpRoutes(config);
        if (protocol == null) {
            HttpMode.initClientPipeline(p, context, config, routes, pool, "http", http2Streams);
        } else if (protocol.equals(ApplicationProtocolNames.HTTP_2)) {
            Http2Mode.initClientPipeline(p, context, config, routes, pool, "https", http2Streams);
        } else {
            HttpMode.initClientPipeline(p, context, config, routes, pool, "https");
        }
    }

    @Override
    public void tcp(ChannelPipeline p, FrontendConfig config, boolean running) {
        p.addLast("proxy", new TcpProxyHandler(context, config, running));
    }
}
