package org.tandemlb.core.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.config.HashPolicy;

/**
 * What a request's backend balances on: the client's address for every algorithm but
 * {@code hash}, whose key is read from the request here ({@link HashPolicy}), before any header
 * is rewritten for the server.
 */
final class BalanceKeys {
    private BalanceKeys() {}

    /**
     * The bytes {@code backend}'s balancer hashes for {@code req}: {@code clientKey} unless the
     * backend balances by {@code hash}, then the request's key, or null when it has none (the
     * balancer then goes round-robin).
     */
    static byte[] of(Backend backend, HttpRequest req, byte[] clientKey) {
        HashPolicy hash = backend == null ? null : backend.config().hash();
        if (hash == null) {
            return clientKey;
        }
        String key = switch (hash.source()) {
            case URI -> path(req.uri());
            case HEADER -> req.headers().get(hash.name());
            case QUERY -> query(req.uri(), hash.name());
            case COOKIE -> cookie(req, hash.name());
        };
        return key == null || key.isEmpty() ? null : key.getBytes(StandardCharsets.UTF_8);
    }

    /** The path of a request target, without its query; of an absolute-form target, its path. */
    static String path(String uri) {
        int start = 0;
        int scheme = uri.indexOf("://");
        if (scheme > 0 && uri.charAt(0) != '/') {
            int slash = uri.indexOf('/', scheme + 3);
            if (slash < 0) {
                return "/";
            }
            start = slash;
        }
        int q = uri.indexOf('?', start);
        return uri.substring(start, q < 0 ? uri.length() : q);
    }

    private static String query(String uri, String name) {
        List<String> values = new QueryStringDecoder(uri).parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static String cookie(HttpRequest req, String name) {
        for (String header : req.headers().getAll(HttpHeaderNames.COOKIE)) {
            for (Cookie c : ServerCookieDecoder.LAX.decodeAll(header)) {
                if (c.name().equals(name)) {
                    return c.value();
                }
            }
        }
        return null;
    }
}
