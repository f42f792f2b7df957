package org.tandemlb.core.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.proxy.ProxyContext;
import org.tandemlb.core.proxy.Refusal;

/**
 * The request side of an {@link Http1Connection}: turns what the decoder read into exchanges. A
 * request head is admitted or refused ({@link Admission}: malformed, over the frontend's
 * {@code limits}, past {@code limits.per_client}, redirected, denied by its route); an admitted
 * one gets its {@link Exchange} from the connection, which owns it; its body goes to that
 * exchange within {@code limits.max_body_size} (413 past it) and with every chunk well-formed
 * (400 otherwise).
 *
 * <p>On the connection's event loop only.
 */
final class Http1Requests {
    private static final Logger log = LoggerFactory.getLogger(Http1Requests.class);

    private final Http1Connection connection;
    private final ProxyContext context;
    private final FrontendConfig frontend;
    private final Router router;
    private final ClientIdentity identity;
    private final Channel client;

    /** Bytes of the current request's body so far, against {@code limits.max_body_size}. */
    private long bodyBytes;

    Http1Requests(
            Http1Connection connection,
            ProxyContext context,
            FrontendConfig frontend,
            Router router,
            ClientIdentity identity) {
        this.connection = connection;
        this.context = context;
        this.frontend = frontend;
        this.router = router;
        this.identity = identity;
        this.client = connection.channel();
    }

    /** Takes a message the decoder read: a request head (with its content, for a full request) or content. */
    void handle(Object msg) {
        if (msg instanceof HttpRequest req) {
            // Only a request that got an exchange has content to stream: a refused one (an invalid
            // head is a full request, whose content is not content) is released here, answered once.
            boolean started = connection.exchange() == null && startExchange(req);
            if (started && msg instanceof HttpContent content) {
                onRequestContent(content);
            } else if (!started) {
                ReferenceCountUtil.release(msg);
            }
        } else if (msg instanceof HttpContent content) {
            if (connection.exchange() == null) {
                content.release(); // the rest of a request that was already answered
                return;
            }
            onRequestContent(content);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Starts the request's exchange, unless it is refused; whether it is now in flight. */
    private boolean startExchange(HttpRequest req) {
        boolean malformed = req.decoderResult().isFailure();
        Admission.Decision d = Admission.of(
                req, // a malformed one too: RequestPolicy reads its decoder's verdict (400, 414, 431)
                frontend,
                router,
                identity,
                client.alloc(),
                client);
        if (d.badRequest() != null) {
            refuseBadRequest(
                    malformed ? null : req,
                    d.badRequest(),
                    malformed ? req.decoderResult().cause() : d);
            return false;
        }
        if (d.answer() != null) {
            connection.refuse(req, d.answer(), d.termination(), d.refusal());
            return false;
        }
        Backend backend = context.backend(Admission.backend(d, router));
        bodyBytes = 0;
        Exchange exchange = connection.exchangeFor(req, backend);
        if (backend == null) {
            connection.respondError(HttpResponseStatus.SERVICE_UNAVAILABLE, "no_server");
            return false;
        }
        exchange.start();
        return connection.exchange() != null;
    }

    private void onRequestContent(HttpContent content) {
        Exchange ex = connection.exchange();
        if (content.decoderResult().isFailure()) {
            // A bad chunk: what reached the server is a truncated request, which it drops with the connection.
            content.release();
            refuseBadRequest(
                    null,
                    HttpResponseStatus.BAD_REQUEST,
                    content.decoderResult().cause());
            return;
        }
        int bytes = content.content().readableBytes();
        bodyBytes += bytes;
        connection.bodyReceived(bytes);
        if (frontend.limits().bodyTooLarge(bodyBytes)) {
            // A chunked body past max_body_size: the server saw its start and loses its connection.
            content.release();
            log.debug(
                    "{}: request body past {} bytes", client, frontend.limits().maxBodySize());
            connection.respondError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "bad_request");
            return;
        }
        if (ex.requestContent(content)) {
            connection.requestEnded();
        }
        connection.updateRead();
    }

    /**
     * Refuses a malformed or ambiguous request, its head ({@code req}, null when it could not be
     * read) or its body (the exchange then is dropped): answers {@code status} and closes, logged
     * as {@code bad_request}. Every such refusal of the connection passes here.
     */
    private void refuseBadRequest(HttpRequest req, HttpResponseStatus status, Object why) {
        log.debug("{}: refusing request: {}", client, why);
        if (connection.exchange() != null) {
            connection.respondError(status, "bad_request");
        } else {
            connection.refuse(req, ErrorResponses.of(client.alloc(), status), "bad_request", Refusal.of(status));
        }
    }
}
