package org.tandemlb.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.frontend.Frontend;
import org.tandemlb.core.tls.ServerTls;

/**
 * The frontend side of a start or an apply, in two steps as {@link BackendUpdate}: {@link #bind}
 * works out which running frontends carry on as they are (same binds and mode) and makes and binds
 * the others, all or nothing, each taking over the listening sockets of the replaced frontends on
 * its addresses; {@link #switchOver} then, once the whole apply succeeded, makes the new frontends
 * accept on the sockets they took, gives the carried ones their new settings, and stops and drains
 * the replaced ones.
 */
final class FrontendUpdate {
    /** Makes a frontend and binds it, taking over the sockets it shares with {@code previous}. */
    @FunctionalInterface
    interface Opener {
        /** @throws LoadBalancerException when it cannot listen (nothing of it stays bound then) */
        Frontend open(FrontendConfig config, ServerTls tls, List<Frontend> previous);
    }

    private final LoadBalancerConfig next;
    private final Map<String, ServerTls> tls;
    /** The frontends of {@code next}, by name, in configuration order. */
    private final Map<String, Frontend> frontends;
    /** Those just made and bound. */
    private final List<Frontend> fresh;
    /** The running frontends that do not carry on as they are: the fresh ones take their sockets over. */
    private final List<Frontend> replaced;

    private FrontendUpdate(
            LoadBalancerConfig next,
            Map<String, ServerTls> tls,
            Map<String, Frontend> frontends,
            List<Frontend> fresh,
            List<Frontend> replaced) {
        this.next = next;
        this.tls = tls;
        this.frontends = frontends;
        this.fresh = fresh;
        this.replaced = replaced;
    }

    /**
     * Binds the new frontends of {@code next}; until they are all bound, nothing has changed.
     *
     * @param running the frontends in force (empty at the start)
     * @param tls     the TLS of {@code next}'s frontends, by name
     * @throws LoadBalancerException when one cannot listen: what this call bound is closed then, and
     *     the sockets it took over go on serving their old frontends
     */
    static FrontendUpdate bind(
            LoadBalancerConfig next, Map<String, Frontend> running, Map<String, ServerTls> tls, Opener opener) {
        List<Frontend> replaced = new ArrayList<>();
        for (Frontend old : running.values()) {
            FrontendConfig fc = next.frontend(old.name());
            if (fc == null || !sameSockets(old.config(), fc)) {
                replaced.add(old);
            }
        }
        Map<String, Frontend> frontends = new LinkedHashMap<>();
        List<Frontend> fresh = new ArrayList<>();
        try {
            for (FrontendConfig fc : next.frontends()) {
                Frontend old = running.get(fc.name());
                if (old != null && !replaced.contains(old)) {
                    frontends.put(fc.name(), old);
                } else {
                    Frontend f = opener.open(fc, tls.get(fc.name()), replaced);
                    fresh.add(f);
                    frontends.put(fc.name(), f);
                }
            }
        } catch (RuntimeException e) {
            // Closes what they bound and gives back what they took over.
            fresh.forEach(Frontend::close);
            throw e;
        }
        return new FrontendUpdate(next, tls, frontends, fresh, replaced);
    }

    /** Whether a frontend configured as {@code a} can go on as {@code b} on the same sockets. */
    private static boolean sameSockets(FrontendConfig a, FrontendConfig b) {
        return a.binds().equals(b.binds()) && a.mode() == b.mode();
    }

    /** The frontends of the new configuration, by name, in configuration order. */
    Map<String, Frontend> frontends() {
        return frontends;
    }

    /** The frontends that stopped listening at {@link #switchOver}. */
    List<Frontend> replaced() {
        return replaced;
    }

    /** Makes the new frontends take over, the carried ones take their new settings, the replaced ones stop. */
    void switchOver() {
        for (FrontendConfig fc : next.frontends()) {
            Frontend f = frontends.get(fc.name());
            if (fresh.contains(f)) {
                f.takeOver();
            } else {
                f.update(fc, tls.get(fc.name()));
            }
        }
        for (Frontend old : replaced) {
            old.close();
            // As a stop does, and as HAProxy's and Nginx's old processes do at a reload: idle HTTP
            // connections close, busy ones after their response, HTTP/2 ones with a GOAWAY; TCP
            // connections run on.
            old.drain();
        }
    }
}
