package org.tandemlb.core.config;

import java.util.Locale;

/** The balancing algorithm of a backend (docs/behaviour.md, "Balancing"). */
public enum Balance {
    /** Smooth weighted round-robin: exact splits by weight. */
    ROUNDROBIN,
    /** Fewest active connections per unit of weight; ties broken round-robin. */
    LEASTCONN,
    /** Power of two random choices, weighted, the less loaded of the two. */
    RANDOM,
    /** Consistent (rendezvous) hash of the client address. */
    SOURCE,
    /** Consistent (rendezvous) hash of a part of the request ({@link HashPolicy}), http mode. */
    HASH;

    /** The name used in the config file. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
