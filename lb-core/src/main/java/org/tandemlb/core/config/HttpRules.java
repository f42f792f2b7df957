package org.tandemlb.core.config;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The header rules, request id and error pages of a frontend or a backend (http mode). A request
 * runs its frontend's request rules, then its backend's; a response its backend's response rules,
 * then its frontend's (the frontend has the last word on what clients see). A frontend's and a
 * backend's error pages both apply, the backend's first.
 *
 * @param requestHeaders  rules for the request sent to the server, in order
 * @param responseHeaders rules for the response sent to the client, in order
 * @param requestId       frontends only: the header carrying each request's id (generated when the
 *                        client sent none, passed to the server, returned and logged), or null
 * @param errorPages      pages replacing Tandem's own answers, by status
 */
public record HttpRules(
        List<HeaderRule> requestHeaders,
        List<HeaderRule> responseHeaders,
        String requestId,
        Map<Integer, ErrorPage> errorPages) {

    /** No rules, no request id, the built-in error pages. */
    public static final HttpRules NONE = new HttpRules(List.of(), List.of(), null, Map.of());

    public HttpRules {
        requestHeaders = requestHeaders == null ? List.of() : List.copyOf(requestHeaders);
        responseHeaders = responseHeaders == null ? List.of() : List.copyOf(responseHeaders);
        errorPages = errorPages == null ? Map.of() : Map.copyOf(errorPages);
        for (HeaderRule r : responseHeaders) {
            r.checkResponseSide();
        }
        if (requestId != null) {
            // A rule of its own, so it is held to the same checks: a token, no framing header.
            new HeaderRule(HeaderRule.Op.DELETE, requestId, null);
        }
        for (Map.Entry<Integer, ErrorPage> e : errorPages.entrySet()) {
            Objects.requireNonNull(e.getValue(), "error page");
            if (!ErrorPage.STATUSES.contains(e.getKey())) {
                throw new IllegalArgumentException("Tandem never answers " + e.getKey() + " itself");
            }
        }
    }

    /** Whether it changes nothing: the proxy then does no per-request work for it. */
    public boolean isEmpty() {
        return requestHeaders.isEmpty() && responseHeaders.isEmpty() && requestId == null && errorPages.isEmpty();
    }

    /** Whether the headers of a request or response are changed (rules or a request id). */
    public boolean changesHeaders() {
        return !requestHeaders.isEmpty() || !responseHeaders.isEmpty() || requestId != null;
    }
}
