package org.tandemlb.core.config;

import java.util.Locale;
import java.util.Objects;

/**
 * What a {@code hash} backend ({@link Balance#HASH}) hashes to choose a server, and how much
 * load one server may take beyond its share. Requests with the same key go to the same server
 * while it is usable, on every node that has the same servers (rendezvous hashing, see
 * docs/behaviour.md); a request without the key (no such header, parameter or cookie) is
 * balanced round-robin, as HAProxy does.
 *
 * @param source what the key is taken from
 * @param name   the header, query parameter or cookie name; null for {@link Source#URI}
 * @param bound  the bounded-load factor ("consistent hashing with bounded loads", Mirrokni,
 *               Thorup and Zadimoghaddam 2018): a server takes a new request only while its
 *               active requests stay under {@code bound} times its weighted share of all active
 *               requests (plus the new one), else the key's next server does; {@code 0} for no
 *               bound. At least 1 otherwise (1.25 is HAProxy's {@code hash-balance-factor 125})
 */
public record HashPolicy(Source source, String name, double bound) {

    /** Where the key comes from. */
    public enum Source {
        /** The request's path, without the query string (HAProxy's {@code balance uri}). */
        URI,
        /** The value of a request header (HAProxy's {@code balance hdr(NAME)}). */
        HEADER,
        /** The first value of a query parameter (HAProxy's {@code balance url_param NAME}). */
        QUERY,
        /** The value of a cookie sent by the client. */
        COOKIE
    }

    public HashPolicy {
        Objects.requireNonNull(source, "source");
        if (source == Source.URI) {
            if (name != null) {
                throw new IllegalArgumentException("hash: uri takes no name");
            }
        } else if (name == null || name.isEmpty() || !name.chars().allMatch(HashPolicy::tokenChar)) {
            throw new IllegalArgumentException("hash: " + source.name().toLowerCase(Locale.ROOT)
                    + " needs a name made of letters, digits and !#$%&'*+-.^_`|~ (e.g. "
                    + source.name().toLowerCase(Locale.ROOT) + ":X-User)");
        }
        if (bound != 0 && !(bound >= 1.0 && bound <= 100)) {
            throw new IllegalArgumentException(
                    "hash bound must be at least 1.0 (e.g. 1.25), at most 100, or 0 for none");
        }
    }

    /**
     * Reads the config file's form: {@code uri}, {@code header:NAME}, {@code query:NAME} or
     * {@code cookie:NAME}.
     *
     * @throws IllegalArgumentException saying what is accepted
     */
    public static HashPolicy parse(String spec, double bound) {
        int colon = spec.indexOf(':');
        String kind = (colon < 0 ? spec : spec.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
        String name = colon < 0 ? null : spec.substring(colon + 1).trim();
        Source source = switch (kind) {
            case "uri" -> Source.URI;
            case "header" -> Source.HEADER;
            case "query" -> Source.QUERY;
            case "cookie" -> Source.COOKIE;
            default ->
                throw new IllegalArgumentException(
                        "unknown hash key '" + spec + "'; use uri, header:NAME, query:NAME or cookie:NAME");
        };
        return new HashPolicy(source, name, bound);
    }

    /** The config file's form of the key: {@code uri}, {@code header:NAME}, ... */
    public String key() {
        String kind = source.name().toLowerCase(Locale.ROOT);
        return name == null ? kind : kind + ":" + name;
    }

    /** A header or cookie name's characters: an RFC 9110 token. */
    private static boolean tokenChar(int c) {
        return c > 0x20 && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
    }
}
