package org.tandemlb.core.frontend;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.proxy.ClientGuard;
import org.tandemlb.core.proxy.Refusal;
import org.tandemlb.core.proxyprotocol.ClientAddresses;
import org.tandemlb.core.tls.HandshakeStats;
import org.tandemlb.core.tls.ServerTls;

/**
 * What each accepted connection of a frontend becomes, with the settings in force at its accept:
 * the PROXY header first with {@code accept_proxy} ({@link ProxyHeaderReader}), then the
 * per-client connection limit, TLS, and its mode's pipeline ({@link ConnectionSetup}). Keeps the
 * counts the frontend reports of these steps.
 */
final class ConnectionInit {
    private final ConnectionSetup setup;
    private final ClientGuard guard;
    private final HandshakeStats handshakes = new HandshakeStats();
    private final AtomicLong proxyHeaderFailures = new AtomicLong();
    private final LongAdder http2Streams = new LongAdder();

    ConnectionInit(ConnectionSetup setup, ClientGuard guard) {
        this.setup = setup;
        this.guard = guard;
    }

    HandshakeStats handshakes() {
        return handshakes;
    }

    long proxyHeaderFailures() {
        return proxyHeaderFailures.get();
    }

    long http2Streams() {
        return http2Streams.sum();
    }

    /** Sets {@code ch} up, on its own event loop, for a frontend configured as {@code cfg}. */
    void accept(Channel ch, FrontendConfig cfg, ServerTls serverTls) {
        if (cfg.mode() == Mode.TCP) {
            // Set here rather than as the listener's child options, so that one listening socket
            // can serve either mode (a reload may hand it to a frontend of the other mode). This
            // runs before the channel is active, so before its first read.
            ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        }
        if (cfg.acceptProxy()) {
            // The header is read first (with reading on); the rest follows it. The deadline is the
            // one for a request head (http), or the client's inactivity (tcp).
            ProxyHeaderReader.expect(
                    ch.pipeline(),
                    cfg.mode() == Mode.HTTP
                            ? cfg.timeouts().httpRequest()
                            : cfg.timeouts().client(),
                    proxyHeaderFailures::incrementAndGet,
                    c -> initPipeline(c, cfg, serverTls, true));
        } else {
            initPipeline(ch, cfg, serverTls, false);
        }
    }

    /**
     * Sets up TLS when the frontend has it, then the pipeline of {@code cfg}'s mode;
     * {@code running}: after a PROXY header, so active already.
     */
    private void initPipeline(Channel ch, FrontendConfig cfg, ServerTls serverTls, boolean running) {
        if (!countClient(ch, cfg)) {
            if (cfg.mode() == Mode.TCP) {
                guard.refused(Refusal.RATE_LIMITED);
                ch.close();
                return;
            }
            ClientGuard.markOverLimit(ch); // answered 429 by the http pipeline, which counts it
        }
        if (cfg.mode() == Mode.HTTP) {
            if (serverTls == null) {
                setup.http(ch.pipeline(), cfg, null, http2Streams);
            } else {
                // The handshake must be done within http_request, as the request head would.
                serverTls.initPipeline(
                        ch.pipeline(),
                        handshakes,
                        cfg.timeouts().httpRequest(),
                        (p, protocol) -> setup.http(p, cfg, protocol, http2Streams));
            }
        } else {
            // The client is read only once there is somewhere to send its bytes.
            ch.config().setAutoRead(false);
            if (serverTls != null) {
                // TLS is terminated and the servers get plaintext. The server connection is made
                // first (the relay reads the client once it is up); SslHandler then reads the
                // handshake itself, and the relay sees only decrypted bytes.
                serverTls.initPipeline(ch.pipeline(), handshakes, cfg.timeouts().client(), null);
            }
            setup.tcp(ch.pipeline(), cfg, running);
        }
    }

    /**
     * Counts {@code ch} in its client address's connections (the PROXY header's address with
     * {@code accept_proxy}); false when that is past {@code limits.per_client.connections}.
     */
    private boolean countClient(Channel ch, FrontendConfig cfg) {
        int limit = cfg.limits().perClient().connections();
        InetSocketAddress source = ClientAddresses.source(ch);
        if (limit == 0 || source == null || source.getAddress() == null) {
            return true;
        }
        InetAddress address = source.getAddress();
        if (!guard.clients().connectionOpened(address, limit)) {
            return false;
        }
        ch.closeFuture().addListener(f -> guard.clients().connectionClosed(address));
        return true;
    }
}
