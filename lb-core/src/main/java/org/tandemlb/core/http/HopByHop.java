package org.tandemlb.core.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Header rules of a proxy (RFC 9110 §7.6.1): the {@code Connection} header and every header it
 * lists apply to one hop only and are not forwarded, nor are the classic hop-by-hop headers.
 * {@code Transfer-Encoding} is hop-by-hop too, but the codecs re-frame bodies themselves and the
 * header is how they learn to, so it is kept (only {@code chunked} is ever accepted).
 */
final class HopByHop {
    private static final CharSequence[] ALWAYS = {
            HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.PROXY_CONNECTION,
            HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.UPGRADE,
    };

    private HopByHop() {
    }

    /** The lower-case tokens of every {@code Connection} header. */
    static List<String> connectionTokens(HttpHeaders headers) {
        List<String> tokens = new ArrayList<>(2);
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String t : value.split(",")) {
                String token = t.trim().toLowerCase(Locale.ROOT);
                if (!token.isEmpty()) {
                    tokens.add(token);
                }
            }
        }
        return tokens;
    }

    /**
     * Removes the hop-by-hop headers; {@code Upgrade} is kept with {@code Connection: upgrade}
     * when {@code keepUpgrade}.
     */
    static void strip(HttpHeaders headers, List<String> connectionTokens, boolean keepUpgrade) {
        for (String token : connectionTokens) {
            if (!token.equals("upgrade") || !keepUpgrade) {
                headers.remove(token);
            }
        }
        for (CharSequence name : ALWAYS) {
            if (!keepUpgrade || !HttpHeaderNames.UPGRADE.contentEqualsIgnoreCase(name)) {
                headers.remove(name);
            }
        }
        if (keepUpgrade) {
            headers.set(HttpHeaderNames.CONNECTION, "upgrade");
        }
    }
}
