package org.tandemlb.core.proxy;

/**
 * The user event fired on every open client connection when its frontend drains: HTTP
 * connections close once idle; TCP connections run on until they end or the drain time is over.
 *
 * <p>It lives here, beside the proxy handlers that react to it, so that the frontend that fires it
 * and the handlers that receive it need not know each other.
 */
public final class Drain {
    /** The event itself (compared by identity). */
    public static final Drain EVENT = new Drain();

    private Drain() {}

    @Override
    public String toString() {
        return "DRAIN";
    }
}
