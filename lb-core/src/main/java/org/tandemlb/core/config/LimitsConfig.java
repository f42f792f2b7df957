package org.tandemlb.core.config;

import java.time.Duration;

/**
 * What one client request or client address may cost an {@code http} frontend (the per-client
 * limits apply in {@code tcp} mode too). Requests past the size limits are refused before any
 * byte of them reaches a server: 431 for the head, 414 for the target, 413 for the body; a body
 * slower than {@code min_body_rate} gets 408.
 *
 * @param maxHeaderSize    the largest request head, request line included (431 beyond;
 *                         default 16 KiB, as HAProxy's buffer); HTTP/2 has its own
 *                         {@link Http2Config#maxHeaderListSize()}
 * @param maxHeaders       the most header fields in a request (431 beyond; default 100)
 * @param maxUriLength     the longest request target (414 beyond; default 8 KiB)
 * @param maxBodySize      the largest request body in bytes (413 beyond); 0 for no limit (the
 *                         default)
 * @param minBodyRate      the slowest an HTTP/1.1 request body may arrive, in bytes per second on
 *                         average after a grace of {@link #BODY_RATE_GRACE} (408 below it, as a
 *                         slowloris head gets); 0 for no minimum (the default)
 * @param perClient        what one client address may hold and send
 */
public record LimitsConfig(
        int maxHeaderSize, int maxHeaders, int maxUriLength, long maxBodySize, long minBodyRate, PerClient perClient) {

    /** The smallest {@code max_header_size}: a request line and a few headers. */
    public static final int MIN_HEADER_SIZE = 1024;
    /** The largest {@code max_header_size} (a head is kept whole in memory). */
    public static final int MAX_HEADER_SIZE = 1024 * 1024;
    /** The most {@code max_headers} allowed. */
    public static final int MAX_HEADERS = 10_000;
    /** The smallest {@code max_uri_length}. */
    public static final int MIN_URI_LENGTH = 256;
    /** The largest {@code max_uri_length}. */
    public static final int MAX_URI_LENGTH = 1024 * 1024;

    /**
     * How long a request body may take before {@code min_body_rate} is checked: a body must have
     * come at that rate over the time past this grace (Apache's {@code mod_reqtimeout} gives a
     * body's {@code MinRate} the same kind of start), so a small body on a slow network is not
     * refused for its first round trips.
     */
    public static final Duration BODY_RATE_GRACE = Duration.ofSeconds(5);

    /** The defaults: 16 KiB of head, 100 headers, 8 KiB of target, any body at any rate, no per-client limit. */
    public static final LimitsConfig DEFAULTS = new LimitsConfig(16 * 1024, 100, 8 * 1024, 0, 0, PerClient.NONE);

    public LimitsConfig {
        if (maxHeaderSize < MIN_HEADER_SIZE || maxHeaderSize > MAX_HEADER_SIZE) {
            throw new IllegalArgumentException(
                    "limits max_header_size must be within " + MIN_HEADER_SIZE + "-" + MAX_HEADER_SIZE + " bytes");
        }
        if (maxHeaders < 1 || maxHeaders > MAX_HEADERS) {
            throw new IllegalArgumentException("limits max_headers must be within 1-" + MAX_HEADERS);
        }
        if (maxUriLength < MIN_URI_LENGTH || maxUriLength > MAX_URI_LENGTH) {
            throw new IllegalArgumentException(
                    "limits max_uri_length must be within " + MIN_URI_LENGTH + "-" + MAX_URI_LENGTH + " bytes");
        }
        if (maxBodySize < 0) {
            throw new IllegalArgumentException("limits max_body_size must not be negative");
        }
        if (minBodyRate < 0) {
            throw new IllegalArgumentException("limits min_body_rate must not be negative");
        }
        perClient = perClient == null ? PerClient.NONE : perClient;
    }

    /** Whether a body of {@code bytes} is past {@link #maxBodySize()}. */
    public boolean bodyTooLarge(long bytes) {
        return maxBodySize > 0 && bytes > maxBodySize;
    }

    /**
     * What one client address (the PROXY header's with {@code accept_proxy}) may hold and send.
     *
     * @param connections       connections open at once; past it a connection gets 429 (http) or
     *                          is closed (tcp). 0 for no limit (the default)
     * @param requestsPerSecond requests per second, with a burst of one second's worth; past it a
     *                          request gets 429. 0 for no limit (the default); http mode only
     */
    public record PerClient(int connections, int requestsPerSecond) {
        /** No per-client limit. */
        public static final PerClient NONE = new PerClient(0, 0);

        public PerClient {
            if (connections < 0 || requestsPerSecond < 0) {
                throw new IllegalArgumentException("limits per_client values must not be negative");
            }
        }
    }
}
