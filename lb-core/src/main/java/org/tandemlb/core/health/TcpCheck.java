package org.tandemlb.core.health;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.util.ReferenceCountUtil;
import java.util.function.Consumer;

/**
 * The {@code tcp} check: passes when a TCP connection is established within the timeout (and,
 * for a backend with {@code tls}, its TLS handshake is done).
 *
 * <p>The connection is then closed with a reset ({@code SO_LINGER 0}), as HAProxy closes its
 * check connections: the balancer is the side that closes, and closing normally would leave a
 * socket in {@code TIME_WAIT} on it for every check (with hundreds of servers checked every two
 * seconds, tens of thousands). The server sees a reset of a connection on which nothing was said.
 * A MySQL server counts that, like any connection that ends before the login, towards
 * {@code max_connect_errors}: use the {@code mysql} check with a {@code user} for databases.
 */
final class TcpCheck implements Check {
    private final Connector connector;

    TcpCheck(Connector connector) {
        this.connector = connector;
    }

    @Override
    public String type() {
        return "tcp";
    }

    @Override
    public CheckScheduler.Cancellable start(Consumer<Outcome> done) {
        boolean[] cancelled = {false};
        ChannelFuture f = connector.connect(new Discard(), b -> b.option(ChannelOption.SO_LINGER, 0));
        f.addListener(x -> {
            if (cancelled[0]) {
                f.channel().close();
                return;
            }
            if (x.isSuccess()) {
                f.channel().close();
                done.accept(Outcome.passed(connector.tls() ? "TLS handshake done" : "connected"));
            } else {
                done.accept(Outcome.failed(Connector.describe(x.cause())));
            }
        });
        return () -> {
            cancelled[0] = true;
            f.channel().close();
        };
    }

    /** Throws away whatever the server sends (a greeting) until the connection is closed. */
    static final class Discard extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
