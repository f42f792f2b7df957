package org.tandemlb.core.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Cookie persistence ("sticky sessions") of an http backend, as HAProxy's {@code cookie}
 * directive: a client that carries a server's cookie goes back to that server while it is up
 * and not in maintenance (a drained server keeps its sticky clients, as HAProxy's {@code drain});
 * otherwise it is balanced as usual and gets the new server's cookie (HAProxy's
 * {@code redispatch}). A server's cookie value is a stable hash of its name, never its address,
 * so every cluster node that has the same servers honours the same cookies.
 *
 * @param cookie   the cookie's name
 * @param mode     how the cookie is carried
 * @param nocache  {@code insert}: a response that sets the cookie is marked
 *                 {@code Cache-Control: private}, so a shared cache never hands one client's
 *                 cookie to another
 * @param httponly {@code insert}: the cookie gets {@code HttpOnly} (page scripts cannot read it)
 * @param secure   {@code insert}: when the cookie gets {@code Secure}
 * @param maxIdle  {@code insert}: how long a client may be idle and keep its server (HAProxy's
 *                 {@code maxidle}), at least a second and counted in whole seconds; null for no
 *                 limit. The cookie then carries when it was last refreshed ({@code VALUE.SECONDS},
 *                 seconds since the Unix epoch, the same on every node); an older one counts as
 *                 no cookie, and the date is refreshed at most once a quarter of {@code maxIdle}
 */
public record PersistenceConfig(
        String cookie, Mode mode, boolean nocache, boolean httponly, Secure secure, Duration maxIdle) {

    /** How the server's identity travels in the cookie. */
    public enum Mode {
        /** Tandem adds its own cookie (HAProxy's {@code insert indirect}): the servers never see it. */
        INSERT,
        /** The server's own cookie of that name is prefixed with the server's value and a {@code ~}. */
        PREFIX,
        /** The server sets a cookie of that name; Tandem replaces its value with the server's. */
        REWRITE
    }

    /** When an inserted cookie is {@code Secure}. */
    public enum Secure {
        /** When the client's connection is TLS (the default). */
        AUTO,
        /** Always. */
        ALWAYS,
        /** Never. */
        NEVER
    }

    public PersistenceConfig {
        Objects.requireNonNull(cookie, "cookie");
        if (cookie.isEmpty() || !cookie.chars().allMatch(PersistenceConfig::tokenChar)) {
            throw new IllegalArgumentException(
                    "persistence.cookie must be a cookie name: letters, digits and !#$%&'*+-.^_`|~");
        }
        Objects.requireNonNull(mode, "mode");
        secure = secure == null ? Secure.AUTO : secure;
        if (maxIdle != null) {
            if (mode != Mode.INSERT) {
                // In prefix and rewrite modes the server sets the cookie: Tandem has no date to refresh.
                throw new IllegalArgumentException("persistence.max_idle needs mode insert");
            }
            if (maxIdle.getSeconds() < 1) {
                throw new IllegalArgumentException("persistence.max_idle must be at least 1s");
            }
        }
    }

    /** Persistence without {@code max_idle}. */
    public PersistenceConfig(String cookie, Mode mode, boolean nocache, boolean httponly, Secure secure) {
        this(cookie, mode, nocache, httponly, secure, null);
    }

    /** Insert mode with the defaults: nocache, HttpOnly, Secure on TLS, no idle limit. */
    public static PersistenceConfig insert(String cookie) {
        return new PersistenceConfig(cookie, Mode.INSERT, true, true, Secure.AUTO);
    }

    /** This persistence with {@code maxIdle} as its {@code max_idle}. */
    public PersistenceConfig withMaxIdle(Duration maxIdle) {
        return new PersistenceConfig(cookie, mode, nocache, httponly, secure, maxIdle);
    }

    private static boolean tokenChar(int c) {
        return c > 0x20 && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
    }
}
