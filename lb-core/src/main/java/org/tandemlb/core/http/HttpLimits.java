package org.tandemlb.core.http;

import io.netty.handler.codec.http.HttpDecoderConfig;

/**
 * The size limits of the {@code http} mode, in one place for both directions: the
 * {@link ResponseDecoder} takes its head limit from them (502 beyond); the request side's
 * decoder starts from {@link #REQUEST_DECODING} with the sizes of the frontend's {@code limits}
 * instead ({@link RequestLimits#decoding}), whose defaults these are.
 */
public final class HttpLimits {
    /** Longest request line (414 beyond). */
    public static final int MAX_INITIAL_LINE = 8192;
    /** Largest request or response head (431 beyond), as HAProxy's default buffer. */
    public static final int MAX_HEADER_SIZE = 16384;
    /** Largest response head, status line included: the request side's 16 KiB plus a line. */
    public static final int MAX_RESPONSE_HEAD = MAX_HEADER_SIZE + 4096;

    /**
     * The strict decoding of every HTTP/1.1 client connection: the limits above, headers
     * validated, strict line ends, no duplicate {@code Content-Length} (a request-smuggling
     * vector). One shared object, read by each decoder when it is made and never changed (which
     * is why it is not public: the type is mutable).
     */
    static final HttpDecoderConfig REQUEST_DECODING = new HttpDecoderConfig()
            .setMaxInitialLineLength(MAX_INITIAL_LINE)
            .setMaxHeaderSize(MAX_HEADER_SIZE)
            .setValidateHeaders(true)
            .setStrictLineParsing(true)
            .setAllowDuplicateContentLengths(false)
            .setAllowPartialChunks(true);

    private HttpLimits() {}
}
