package org.tandemlb.core.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.PersistenceConfig;

/**
 * Cookie persistence for one exchange ({@link PersistenceConfig}): reads the server the client's
 * cookie names from the request (and, in {@code insert} and {@code prefix} modes, takes Tandem's
 * part out of what the server receives), then puts the chosen server's cookie into the response.
 * Only the cookie pieces of that name are touched; the others pass byte for byte.
 *
 * <p>With {@code max_idle} ({@code insert} only), Tandem's cookie is {@code VALUE.SECONDS}: the
 * server's value, a dot, and when the cookie was last set, in whole seconds since the Unix epoch
 * by the backend's clock. Nothing in it is private to a node, so every node of a cluster honours
 * the cookies the others set (their clocks agreeing to well within {@code max_idle}).
 */
final class Sticky {
    /** Separates the server's value from the application's in {@code prefix} mode (as HAProxy). */
    private static final char PREFIX_SEPARATOR = '~';
    /** Separates the server's value from the cookie's date in {@code insert} mode. */
    private static final char DATE_SEPARATOR = '.';
    /** The client's cookie had no date (set before {@code max_idle} was configured, or none sent). */
    private static final long NO_DATE = Long.MIN_VALUE;
    /** The client's cookie had a date Tandem cannot have written. */
    private static final long BAD_DATE = Long.MAX_VALUE;

    private final PersistenceConfig config;
    /** The server's value the client sent, or null (also when its cookie was idle too long). */
    private final String requested;
    /** When the client's cookie was last set (epoch seconds), or {@link #NO_DATE}. */
    private final long date;
    /** The time of this request (epoch seconds); 0 without {@code max_idle}. */
    private final long now;

    private Sticky(PersistenceConfig config, String requested, long date, long now) {
        this.config = config;
        this.requested = requested;
        this.date = date;
        this.now = now;
    }

    /**
     * The persistence of {@code req} for {@code backend}, or null when the backend has none.
     * Edits the request's {@code Cookie} headers as the mode says: {@code insert} removes
     * Tandem's cookie, {@code prefix} removes the server's value and its {@code ~}. With
     * {@code max_idle}, a cookie older than that (or dated more than that ahead: not one a node
     * wrote) counts as none; one without a date is honoured, and the response dates it.
     */
    static Sticky of(Backend backend, HttpRequest req) {
        PersistenceConfig config = backend == null ? null : backend.config().persistence();
        if (config == null) {
            return null;
        }
        long now = config.maxIdle() == null ? 0 : Math.floorDiv(backend.clock().millis(), 1000L);
        HttpHeaders h = req.headers();
        List<String> headers = h.getAll(HttpHeaderNames.COOKIE);
        if (headers.isEmpty()) {
            return new Sticky(config, null, NO_DATE, now);
        }
        String requested = null;
        List<String> rewritten = new ArrayList<>(headers.size());
        boolean changed = false;
        for (String header : headers) {
            StringBuilder out = new StringBuilder(header.length());
            for (String piece : header.split(";")) {
                String p = piece.strip();
                if (p.isEmpty()) {
                    continue;
                }
                String kept = p;
                int eq = p.indexOf('=');
                if (eq > 0 && p.substring(0, eq).strip().equals(config.cookie())) {
                    String value = unquote(p.substring(eq + 1).strip());
                    switch (config.mode()) {
                        case INSERT -> {
                            requested = requested == null ? value : requested;
                            kept = null;
                        }
                        case PREFIX -> {
                            int sep = value.indexOf(PREFIX_SEPARATOR);
                            if (sep > 0) {
                                requested = requested == null ? value.substring(0, sep) : requested;
                                kept = config.cookie() + "=" + value.substring(sep + 1);
                            }
                        }
                        case REWRITE -> requested = requested == null ? value : requested;
                    }
                }
                if (kept == null || !kept.equals(p)) {
                    changed = true;
                }
                if (kept != null) {
                    if (out.length() > 0) {
                        out.append("; ");
                    }
                    out.append(kept);
                }
            }
            if (out.length() > 0) {
                rewritten.add(out.toString());
            }
        }
        if (changed) {
            h.remove(HttpHeaderNames.COOKIE);
            for (String r : rewritten) {
                h.add(HttpHeaderNames.COOKIE, r);
            }
        }
        if (requested == null || config.mode() != PersistenceConfig.Mode.INSERT) {
            return new Sticky(config, requested, NO_DATE, now);
        }
        // Insert mode: a date is split off even without max_idle, so that clients keep their
        // server when a reload takes max_idle away.
        int sep = requested.indexOf(DATE_SEPARATOR);
        long date = sep < 0 ? NO_DATE : parseDate(requested, sep + 1);
        String server = sep < 0 ? requested : requested.substring(0, sep);
        if (config.maxIdle() != null && date != NO_DATE) {
            long limit = config.maxIdle().getSeconds();
            if (date == BAD_DATE || now - date > limit || date - now > limit) {
                return new Sticky(config, null, NO_DATE, now);
            }
        }
        return new Sticky(config, server, date, now);
    }

    /** The server's value the client's cookie carried, or null. */
    String requested() {
        return requested;
    }

    /**
     * Puts {@code server}'s cookie into a final response: {@code insert} adds Tandem's cookie when
     * the client did not send this server's value; {@code prefix} and {@code rewrite} edit the
     * server's own {@code Set-Cookie} of that name.
     *
     * @param overTls whether the client's connection is TLS (for {@code secure: auto})
     */
    void response(HttpResponse resp, Server server, boolean overTls) {
        HttpHeaders h = resp.headers();
        switch (config.mode()) {
            case INSERT -> {
                if (server.cookie().equals(requested) && !refreshDue()) {
                    return;
                }
                StringBuilder c = new StringBuilder(config.cookie()).append('=').append(server.cookie());
                if (config.maxIdle() != null) {
                    c.append(DATE_SEPARATOR).append(now);
                }
                c.append("; Path=/");
                if (config.httponly()) {
                    c.append("; HttpOnly");
                }
                if (config.secure() == PersistenceConfig.Secure.ALWAYS
                        || (config.secure() == PersistenceConfig.Secure.AUTO && overTls)) {
                    c.append("; Secure");
                }
                h.add(HttpHeaderNames.SET_COOKIE, c.toString());
                if (config.nocache()) {
                    markPrivate(h);
                }
            }
            case PREFIX, REWRITE -> {
                List<String> all = h.getAll(HttpHeaderNames.SET_COOKIE);
                boolean changed = false;
                List<String> out = new ArrayList<>(all.size());
                for (String sc : all) {
                    String edited = editSetCookie(sc, server.cookie());
                    changed |= !edited.equals(sc);
                    out.add(edited);
                }
                if (changed) {
                    h.remove(HttpHeaderNames.SET_COOKIE);
                    out.forEach(v -> h.add(HttpHeaderNames.SET_COOKIE, v));
                }
            }
        }
    }

    /**
     * Whether the client's cookie for its own server needs a new date: it has none, or its date
     * is a quarter of {@code max_idle} old or more. Refreshing only then keeps most responses free
     * of a {@code Set-Cookie} (which also makes them private with {@code nocache}); the price is
     * that a client may be dropped after being idle for three quarters of {@code max_idle}.
     */
    private boolean refreshDue() {
        if (config.maxIdle() == null) {
            return false;
        }
        long every = Math.max(1, config.maxIdle().getSeconds() / 4);
        return date == NO_DATE || now - date >= every;
    }

    /**
     * The decimal seconds at {@code from} in {@code value}, or {@link #BAD_DATE} when that is not
     * a number of at most 12 digits (enough until the year 33658).
     */
    private static long parseDate(String value, int from) {
        int digits = value.length() - from;
        if (digits < 1 || digits > 12) {
            return BAD_DATE;
        }
        long d = 0;
        for (int i = from; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return BAD_DATE;
            }
            d = d * 10 + (c - '0');
        }
        return d;
    }

    /** A {@code Set-Cookie} value with the persistence cookie's value edited, or as it was. */
    private String editSetCookie(String setCookie, String serverValue) {
        int eq = setCookie.indexOf('=');
        if (eq <= 0 || !setCookie.substring(0, eq).strip().equals(config.cookie())) {
            return setCookie;
        }
        int end = setCookie.indexOf(';', eq);
        String attributes = end < 0 ? "" : setCookie.substring(end);
        String value =
                setCookie.substring(eq + 1, end < 0 ? setCookie.length() : end).strip();
        String next = config.mode() == PersistenceConfig.Mode.PREFIX
                ? serverValue + PREFIX_SEPARATOR + unquote(value)
                : serverValue;
        return config.cookie() + "=" + next + attributes;
    }

    /**
     * HAProxy's {@code nocache}: a response that sets the cookie must not be stored by a shared
     * cache, which would hand it to other clients; {@code private} unless it already says
     * {@code private}, {@code no-store} or {@code no-cache}.
     */
    private static void markPrivate(HttpHeaders h) {
        String cc = h.get(HttpHeaderNames.CACHE_CONTROL);
        String lower = cc == null ? "" : cc.toLowerCase(Locale.ROOT);
        if (!lower.contains("private") && !lower.contains("no-store") && !lower.contains("no-cache")) {
            h.set(HttpHeaderNames.CACHE_CONTROL, "private");
        }
    }

    private static String unquote(String v) {
        return v.length() >= 2 && v.charAt(0) == '"' && v.charAt(v.length() - 1) == '"'
                ? v.substring(1, v.length() - 1)
                : v;
    }
}
