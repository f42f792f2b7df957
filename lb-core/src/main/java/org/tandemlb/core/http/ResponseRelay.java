package org.tandemlb.core.http;

import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;

/**
 * The server's response on its way to the client side, for one {@link Exchange}: 1xx responses
 * forwarded ahead of the final one, the final head re-framed for the client (chunked for a body
 * that ends with the server's connection, no chunked framing for an HTTP/1.0 client, which then
 * reads to the close; {@code Connection} as the client side will do; the frontend's
 * {@code hsts}), and its content passed on until its end. What becomes of both connections
 * afterwards is the exchange's, from what this class read.
 *
 * <p>The re-framing speaks HTTP/1.1 ({@code Transfer-Encoding}, {@code Connection}), the server
 * side's language; a client side of another protocol drops those headers as connection-specific
 * (RFC 9113 §8.2.2), as Netty's HTTP/2 conversion does.
 */
final class ResponseRelay {
    /** What a piece of content meant: more follows, the response ended, or the 101 ended. */
    enum Step {
        MORE,
        ENDED,
        SWITCHED
    }

    private static final AsciiString STRICT_TRANSPORT_SECURITY = AsciiString.cached("strict-transport-security");

    private final ClientSide side;
    private final boolean headRequest;
    private final boolean http10Client;
    private final boolean clientKeepAlive;
    private final boolean upgrade;
    /** The exchange's header rules, or null. */
    private final HeaderRules rules;

    private boolean started;
    private int status;
    private boolean informational;
    private boolean switching;
    private boolean serverKeepAlive = true;
    private boolean closeClientAfter;

    ResponseRelay(
            ClientSide side,
            boolean headRequest,
            boolean http10Client,
            boolean clientKeepAlive,
            boolean upgrade,
            HeaderRules rules) {
        this.rules = rules;
        this.side = side;
        this.headRequest = headRequest;
        this.http10Client = http10Client;
        this.clientKeepAlive = clientKeepAlive;
        this.upgrade = upgrade;
    }

    /** Whether the final response head (or the 101) has been written to the client. */
    boolean started() {
        return started;
    }

    /** The final response's status, once {@link #started}. */
    int status() {
        return status;
    }

    /** Whether the server connection may be reused once the response ended. */
    boolean serverKeepAlive() {
        return serverKeepAlive;
    }

    /** Whether the client connection may serve another request after this response. */
    boolean clientKeepAlive() {
        return clientKeepAlive && !closeClientAfter;
    }

    /**
     * A valid response head: written to the client, re-framed when final.
     *
     * @param requestComplete whether the request has been read whole
     * @return whether it was accepted; when not (a 101 nobody asked for), the client side was
     *     answered 502
     */
    boolean head(HttpResponse resp, boolean requestComplete) {
        int code = resp.status().code();
        if (code == 101) {
            if (!upgrade) {
                side.respondError(HttpResponseStatus.BAD_GATEWAY, "server_abort");
                return false;
            }
            switching = true;
        } else if (resp.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
            informational = true; // 100 Continue, 103 Early Hints: forwarded, the final answer follows
            side.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, resp.status(), resp.headers()));
            return true;
        }
        started = true;
        status = code;
        frame(resp, requestComplete);
        side.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, resp.status(), resp.headers()));
        return true;
    }

    /** A valid piece of response content: written to the client, but for the end of a 1xx or a 101. */
    Step content(HttpContent c) {
        if (informational) {
            c.release(); // the empty end of a 1xx response
            if (c instanceof LastHttpContent) {
                informational = false;
            }
            return Step.MORE;
        }
        if (!(c instanceof LastHttpContent)) {
            side.write(c);
            return Step.MORE;
        }
        if (switching) {
            c.release();
            return Step.SWITCHED;
        }
        side.write(c);
        return Step.ENDED;
    }

    private void frame(HttpResponse resp, boolean requestComplete) {
        serverKeepAlive = (HeaderRewrite.response(resp, switching) & HeaderRewrite.SERVER_KEEP_ALIVE) != 0;
        HttpHeaders h = resp.headers();
        boolean emptyBody = headRequest || status == 204 || status == 304 || switching;
        boolean chunked = HttpUtil.isTransferEncodingChunked(resp);
        if (!emptyBody && !chunked && !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            // The body ends when the server closes: re-frame it for an HTTP/1.1 client.
            serverKeepAlive = false;
            if (http10Client) {
                closeClientAfter = true;
            } else {
                h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        } else if (chunked && http10Client) {
            h.remove(HttpHeaderNames.TRANSFER_ENCODING);
            closeClientAfter = true;
        }
        if (!requestComplete) {
            closeClientAfter = true; // answered before the request ended: the rest cannot be skipped safely
        }
        if (!switching) {
            if (!clientKeepAlive || closeClientAfter || side.draining()) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            } else if (http10Client) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
        }
        CharSequence sts = side.identity().strictTransportSecurity();
        if (sts != null) {
            h.set(STRICT_TRANSPORT_SECURITY, sts);
        }
        if (rules != null) {
            rules.response(h);
        }
    }
}
