package org.tandemlb.core.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.config.HeaderRule;
import org.tandemlb.core.config.HttpRules;
import org.tandemlb.core.tls.TlsSession;

/**
 * The header rules of one {@link Exchange} ({@code request_headers}, {@code response_headers},
 * {@code request_id}): the frontend's request rules then the backend's on the request, the
 * backend's response rules then the frontend's on the response, with their placeholders filled
 * in. An exchange whose frontend and backend have none gets no instance ({@link #of} returns
 * null), so the path without rules allocates nothing for them.
 *
 * <p>A value that would hold CR, LF or NUL once its placeholders are filled in is never sent: the
 * rule is skipped (logged at debug).
 *
 * <p>On the client's event loop only.
 */
final class HeaderRules {
    private static final Logger log = LoggerFactory.getLogger(HeaderRules.class);
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final ClientIdentity id;
    private final HttpRules frontend;
    private final HttpRules backend;
    private final String requestId;
    private String server = "";
    private boolean requestApplied;

    private HeaderRules(ClientIdentity id, HttpRules frontend, HttpRules backend, String requestId) {
        this.id = id;
        this.frontend = frontend;
        this.backend = backend;
        this.requestId = requestId;
    }

    /**
     * The rules of a request from {@code id} to {@code backend}, or null when there are none.
     * With a {@code request_id}, the request gets its id here (a new one when it had none).
     */
    static HeaderRules of(ClientIdentity id, Backend backend, HttpRequest req) {
        HttpRules f = id.rules();
        HttpRules b = backend == null ? HttpRules.NONE : backend.config().rules();
        if (!f.changesHeaders() && !b.changesHeaders()) {
            return null;
        }
        String requestId = null;
        if (f.requestId() != null) {
            requestId = req.headers().get(f.requestId());
            if (requestId == null) {
                requestId = newId();
                req.headers().set(f.requestId(), requestId);
            }
        }
        return new HeaderRules(id, f, b, requestId);
    }

    /**
     * A new request id: 128 random bits as 32 lower-case hex digits. Unique in practice (the
     * chance of two equal ids among a billion is about 10^-21), not secret: ids are not tokens.
     */
    static String newId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] c = new char[32];
        long hi = r.nextLong();
        long lo = r.nextLong();
        for (int i = 0; i < 16; i++) {
            c[i] = HEX[(int) (hi >>> (60 - 4 * i)) & 0xf];
            c[16 + i] = HEX[(int) (lo >>> (60 - 4 * i)) & 0xf];
        }
        return new String(c);
    }

    /** The request's id, or null without {@code request_id}. */
    String requestId() {
        return requestId;
    }

    /**
     * Runs the request rules on {@code req}, about to go to {@code serverName}; once per exchange
     * (a request sent again after a closed connection keeps its first server's {@code {server}}).
     */
    void request(HttpRequest req, String serverName) {
        server = serverName;
        if (requestApplied) {
            return;
        }
        requestApplied = true;
        HttpHeaders h = req.headers();
        apply(frontend.requestHeaders(), h);
        apply(backend.requestHeaders(), h);
    }

    /** Runs the response rules on a final response's headers, and returns the request id. */
    void response(HttpHeaders h) {
        apply(backend.responseHeaders(), h);
        apply(frontend.responseHeaders(), h);
        if (requestId != null) {
            h.set(frontend.requestId(), requestId);
        }
    }

    private void apply(List<HeaderRule> rules, HttpHeaders h) {
        for (int i = 0; i < rules.size(); i++) {
            HeaderRule r = rules.get(i);
            if (r.op() == HeaderRule.Op.DELETE) {
                h.remove(r.name());
                continue;
            }
            String value = expand(r.value());
            if (value == null) {
                log.debug(
                        "{}: header rule {} {} skipped: its value would hold CR, LF or NUL",
                        id.frontendName(),
                        r.op().configName(),
                        r.name());
                continue;
            }
            if (r.op() == HeaderRule.Op.SET) {
                h.set(r.name(), value);
            } else {
                h.add(r.name(), value);
            }
        }
    }

    /** The value with its placeholders filled in, or null when it would hold CR, LF or NUL. */
    String expand(String template) {
        if (template.indexOf('{') < 0) {
            return template; // checked with the configuration
        }
        StringBuilder out = new StringBuilder(template.length() + 32);
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c != '{') {
                out.append(c);
                continue;
            }
            int end = template.indexOf('}', i);
            out.append(placeholder(template.substring(i + 1, end)));
            i = end;
        }
        for (int i = 0; i < out.length(); i++) {
            char c = out.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                return null;
            }
        }
        return out.toString();
    }

    private String placeholder(String name) {
        String v = switch (name) {
            case "client_ip" -> id.address();
            case "request_id" -> requestId;
            case "frontend" -> id.frontendName();
            case "server" -> server;
            case "tls_version" -> {
                TlsSession tls = id.tls();
                yield tls == null ? null : tls.protocol();
            }
            default -> throw new IllegalStateException("placeholder checked with the configuration");
        };
        return v == null ? "" : v;
    }
}
