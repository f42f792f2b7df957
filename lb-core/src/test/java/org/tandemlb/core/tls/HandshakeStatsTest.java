package org.tandemlb.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.tls.HandshakeStats.Reason;

/** The handshake counter on a pipeline, and the bounded reasons of failures. */
class HandshakeStatsTest {
    @Test
    void failuresAreSortedIntoTheBoundedReasons() {
        assertEquals(Reason.TIMEOUT, HandshakeStats.reason(new SslHandshakeTimeoutException("handshake timed out")));
        assertEquals(Reason.CLOSED, HandshakeStats.reason(new ClosedChannelException()));
        assertEquals(Reason.PROTOCOL, HandshakeStats.reason(new DecoderException(new NotSslRecordException("GET /"))));
        // BoringSSL's and the JDK's words for the same failures.
        assertEquals(
                Reason.CIPHER,
                HandshakeStats.reason(
                        new SSLHandshakeException("error:100000b8:SSL routines:OPENSSL_internal:NO_SHARED_CIPHER")));
        assertEquals(Reason.CIPHER, HandshakeStats.reason(new SSLHandshakeException("no cipher suites in common")));
        assertEquals(
                Reason.PROTOCOL,
                HandshakeStats.reason(new SSLHandshakeException(
                        "error:100000f0:SSL routines:OPENSSL_internal:UNSUPPORTED_PROTOCOL")));
        assertEquals(
                Reason.PROTOCOL,
                HandshakeStats.reason(new SSLHandshakeException(
                        "Client requested protocol TLSv1.1 is not enabled or supported in server context")));
        assertEquals(
                Reason.CERTIFICATE,
                HandshakeStats.reason(new SSLHandshakeException(
                        "error:10000412:SSL routines:OPENSSL_internal:SSLV3_ALERT_BAD_CERTIFICATE")));
        assertEquals(Reason.OTHER, HandshakeStats.reason(new SSLHandshakeException("something new")));
    }

    @Test
    void countsOneOutcomePerConnection() {
        HandshakeStats stats = new HandshakeStats();
        EmbeddedChannel ok = new EmbeddedChannel(stats.observer());
        ok.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        ok.close();
        EmbeddedChannel timedOut = new EmbeddedChannel(stats.observer());
        timedOut.pipeline().fireUserEventTriggered(new SniCompletionEvent(new SslHandshakeTimeoutException("slow")));
        timedOut.close();
        EmbeddedChannel gone = new EmbeddedChannel(stats.observer());
        gone.close(); // before any ClientHello

        assertEquals(1, stats.handshakes());
        assertEquals(1, stats.failures(Reason.TIMEOUT));
        assertEquals(1, stats.failures(Reason.CLOSED), "the ones that ended are not counted again at close");
    }
}
