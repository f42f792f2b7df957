package org.tandemlb.core.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Map;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.config.ErrorPage;

/**
 * The {@code error_pages} of a frontend and a backend, in place of Tandem's built-in answers
 * ({@link ErrorResponses}): the backend's page for a status first, then the frontend's. The pages
 * were read and checked with the configuration; here a page's bytes are only wrapped, not copied.
 */
final class ErrorPages {
    private ErrorPages() {}

    /**
     * {@code answer}, or the page that replaces it when it is one of Tandem's own and a page is
     * configured for its status ({@code answer} is then released); with the request's id when
     * the frontend has {@code request_id}.
     *
     * @param identity the client's (its frontend's pages)
     * @param exchange the request's exchange (its backend's pages, its id), or null
     */
    static FullHttpResponse apply(FullHttpResponse answer, ClientIdentity identity, Exchange exchange) {
        if (!(answer instanceof ErrorResponses.Own)) {
            return answer;
        }
        FullHttpResponse r = page(answer, identity, exchange == null ? null : exchange.backend());
        String id = exchange == null ? null : exchange.requestId();
        if (id != null) {
            r.headers().set(identity.rules().requestId(), id);
        }
        return r;
    }

    private static FullHttpResponse page(FullHttpResponse answer, ClientIdentity identity, Backend backend) {
        Map<Integer, ErrorPage> frontendPages = identity.rules().errorPages();
        Map<Integer, ErrorPage> backendPages =
                backend == null ? Map.of() : backend.config().rules().errorPages();
        if (frontendPages.isEmpty() && backendPages.isEmpty()) {
            return answer;
        }
        int code = answer.status().code();
        ErrorPage page = backendPages.get(code);
        if (page == null) {
            page = frontendPages.get(code);
        }
        if (page == null) {
            return answer;
        }
        answer.release();
        HttpResponseStatus status = page.reason() == null
                ? HttpResponseStatus.valueOf(page.status())
                : new HttpResponseStatus(page.status(), page.reason());
        FullHttpResponse r =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(page.body()));
        HttpHeaders h = r.headers();
        for (Map.Entry<String, String> e : page.headers()) {
            h.add(e.getKey(), e.getValue());
        }
        if (!h.contains(HttpHeaderNames.CACHE_CONTROL)) {
            h.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        }
        h.set(HttpHeaderNames.CONTENT_LENGTH, page.body().length);
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return r;
    }
}
