package org.tandemlb.core.tls;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLHandshakeException;

/**
 * A frontend's TLS handshakes: those completed, and those that failed by reason. The reasons are
 * a fixed set, so that a metric labelled by them stays small whatever the clients send.
 */
public final class HandshakeStats {
    /** Why a handshake failed. */
    public enum Reason {
        /** Not TLS, or no protocol version in common (an SSLv3 or TLS 1.0 client, say). */
        PROTOCOL,
        /** No cipher suite in common. */
        CIPHER,
        /** The client refused the certificate (it said so with an alert). */
        CERTIFICATE,
        /** Not complete within the frontend's handshake time. */
        TIMEOUT,
        /** The client closed the connection before the handshake was complete. */
        CLOSED,
        /** Anything else. */
        OTHER;

        /** The label value: the name in lower case. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final LongAdder handshakes = new LongAdder();
    private final LongAdder[] failures = new LongAdder[Reason.values().length];
    private final ChannelHandler observer = new Observer();

    /** Stats with every count at zero. */
    public HandshakeStats() {
        for (int i = 0; i < failures.length; i++) {
            failures[i] = new LongAdder();
        }
    }

    /** Handshakes completed. */
    public long handshakes() {
        return handshakes.sum();
    }

    /** Handshakes failed for {@code reason}. */
    public long failures(Reason reason) {
        return failures[reason.ordinal()].sum();
    }

    /** A handler, after the TLS handler, that counts the handshake outcomes of its connection. */
    ChannelHandler observer() {
        return observer;
    }

    /**
     * The reason of a failed handshake. The JDK and BoringSSL report most failures as an
     * {@code SSLHandshakeException} whose only detail is its message (a TLS alert's name, or
     * BoringSSL's error name such as {@code NO_SHARED_CIPHER}), so its words are what tells them
     * apart.
     */
    static Reason reason(Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (c instanceof SslHandshakeTimeoutException) {
            return Reason.TIMEOUT;
        }
        if (c instanceof ClosedChannelException) {
            return Reason.CLOSED;
        }
        if (c instanceof NotSslRecordException) {
            return Reason.PROTOCOL;
        }
        String m = String.valueOf(c.getMessage()).toLowerCase(Locale.ROOT);
        if (m.contains("cipher")) {
            return Reason.CIPHER;
        }
        if (m.contains("protocol") || m.contains("version")) {
            return Reason.PROTOCOL;
        }
        if (m.contains("certificate") || m.contains("unknown_ca") || m.contains("unknown ca")) {
            return Reason.CERTIFICATE;
        }
        if (c instanceof SSLHandshakeException && (m.contains("closed") || m.contains("eof"))) {
            return Reason.CLOSED;
        }
        return Reason.OTHER;
    }

    @ChannelHandler.Sharable
    private final class Observer extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent e) {
                if (e.isSuccess()) {
                    handshakes.increment();
                } else {
                    failures[reason(e.cause()).ordinal()].increment();
                }
                ctx.pipeline().remove(this);
            } else if (evt instanceof SniCompletionEvent e && !e.isSuccess()) {
                // The ClientHello never came whole (SniHandler's timeout or a bad record): no
                // SslHandler was made, so no handshake event follows.
                failures[reason(e.cause()).ordinal()].increment();
                ctx.pipeline().remove(this);
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // Still here: the connection closed before any outcome (not even a whole ClientHello).
            failures[Reason.CLOSED.ordinal()].increment();
            ctx.fireChannelInactive();
        }
    }
}
