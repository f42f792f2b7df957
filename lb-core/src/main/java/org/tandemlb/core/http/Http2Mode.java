package org.tandemlb.core.http;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Settings;
import java.util.concurrent.atomic.LongAdder;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.Http2Config;
import org.tandemlb.core.proxy.HttpConnectionPool;
import org.tandemlb.core.proxy.ProxyContext;

/**
 * The entry point of HTTP/2 from clients: sets up a client connection that speaks HTTP/2, over
 * TLS once ALPN chose {@code h2}, or in clear with prior knowledge on an {@code h2c} frontend.
 * Each stream is an exchange of its own, proxied to the servers over the same pooled HTTP/1.1
 * connections as HTTP/1.1 requests (see {@link HttpMode}).
 *
 * <p>The limits against HTTP/2's own attacks are the frontend's {@link Http2Config} and Netty's
 * codec enforcing them: {@code SETTINGS_MAX_CONCURRENT_STREAMS} (more streams are refused with
 * RST_STREAM REFUSED_STREAM); rapid reset (CVE-2023-44487: more than {@code max_resets} streams
 * reset by the client within {@code reset_window} close the connection with GOAWAY
 * ENHANCE_YOUR_CALM); HPACK bombs and CONTINUATION floods ({@code SETTINGS_HEADER_TABLE_SIZE}
 * and {@code SETTINGS_MAX_HEADER_LIST_SIZE}: a header list past the limit gets 431, a quarter
 * past it closes the connection while the block is still being read, and a run of small
 * CONTINUATION frames is cut short); SETTINGS, PING and RST floods that would have Tandem queue
 * answers a client does not read (at most {@link #MAX_QUEUED_CONTROL_FRAMES}); floods of empty
 * DATA frames.
 */
public final class Http2Mode {
    /** Answers to control frames (SETTINGS and PING acks, resets) queued before the connection is closed. */
    public static final int MAX_QUEUED_CONTROL_FRAMES = 10_000;
    /** Empty DATA frames in a row without END_STREAM before the connection is closed. */
    static final int MAX_CONSECUTIVE_EMPTY_DATA_FRAMES = 2;
    /** CONTINUATION frames under 8 KiB that a header block may take before the connection is closed. */
    static final int MAX_SMALL_CONTINUATION_FRAMES = 16;

    private Http2Mode() {}

    /**
     * Sets up an HTTP/2 client connection: Netty's frame codec with the frontend's limits and the
     * connection's handler ({@link Http2Connection}, an {@link Http2Stream} per stream). A TLS
     * or PROXY-protocol handler goes in front of them; the client's preface may be in flight
     * already (the codec reads it).
     *
     * @param p              the connection's pipeline
     * @param context        the shared proxy context
     * @param frontend       the frontend the connection was accepted by (its configuration then)
     * @param router         chooses each request's backend
     * @param pool           the pool of idle server connections
     * @param forwardedProto the value of {@code X-Forwarded-Proto}: {@code http} (h2c) or {@code https}
     * @param streamsTotal   counts the streams the client opens (the frontend's metric)
     */
    public static void initClientPipeline(
            ChannelPipeline p,
            ProxyContext context,
            FrontendConfig frontend,
            Router router,
            HttpConnectionPool pool,
            String forwardedProto,
            LongAdder streamsTotal) {
        Http2Config cfg = frontend.http2();
        Http2Settings settings = new Http2Settings()
                .maxConcurrentStreams(cfg.maxConcurrentStreams())
                .initialWindowSize(cfg.initialWindowSize())
                .headerTableSize(cfg.headerTableSize())
                .maxHeaderListSize(cfg.maxHeaderListSize());
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(settings)
                .validateHeaders(true)
                .decoderEnforceMaxRstFramesPerWindow(
                        cfg.maxResets(), (int) cfg.resetWindow().toSeconds())
                .decoderEnforceMaxConsecutiveEmptyDataFrames(MAX_CONSECUTIVE_EMPTY_DATA_FRAMES)
                .decoderEnforceMaxSmallContinuationFrames(MAX_SMALL_CONTINUATION_FRAMES)
                .encoderEnforceMaxQueuedControlFrames(MAX_QUEUED_CONTROL_FRAMES)
                // close() closes at once; the graceful end (GOAWAY, streams finish) is Http2Connection's.
                .decoupleCloseAndGoAway(true)
                .build();
        Http2Connection connection = new Http2Connection(context, frontend, router, pool, forwardedProto, streamsTotal);
        p.addLast("h2", codec);
        p.addLast("h2-connection", connection);
    }
}
