package org.tandemlb.cluster.vip;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.cluster.VipConfig;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.LoadBalancerException;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.HostPort;
import org.tandemlb.core.config.LoadBalancerConfig;

/**
 * Decides which frontends the load balancer binds: all of them, except those that name a
 * {@code bind}-driver VIP this node does not hold. Applies the result through
 * {@link LoadBalancer#apply} (lb-core's public reload path), so unchanged listeners keep their
 * sockets. Thread-safe; blocking (binds sockets): call it off the event loops.
 */
public final class FrontendGate {
    private static final Logger log = LoggerFactory.getLogger(FrontendGate.class);
    private final LoadBalancer lb;
    private List<VipConfig> bindVips;
    private final Set<String> held = new HashSet<>();
    private LoadBalancerConfig full;

    /**
     * @param lb   the load balancer, started with {@link #standby} of {@code full}
     * @param full the whole configuration, VIP frontends included
     * @param vips the cluster's VIPs (only {@code bind} ones matter)
     */
    public FrontendGate(LoadBalancer lb, LoadBalancerConfig full, List<VipConfig> vips) {
        this.lb = Objects.requireNonNull(lb);
        this.full = Objects.requireNonNull(full);
        this.bindVips = bindOnly(vips);
    }

    private static List<VipConfig> bindOnly(List<VipConfig> vips) {
        return vips.stream().filter(v -> v.driver() == VipConfig.Driver.BIND).toList();
    }

    /** {@code full} without the frontends that bind one of the {@code bind}-driver VIPs: what a standby runs. */
    public static LoadBalancerConfig standby(LoadBalancerConfig full, List<VipConfig> vips) {
        return view(full, bindOnly(vips), Set.of());
    }

    private static LoadBalancerConfig view(LoadBalancerConfig full, List<VipConfig> bindVips, Set<String> held) {
        List<FrontendConfig> kept = full.frontends().stream()
                .filter(f -> f.binds().stream().allMatch(b -> allowed(b, bindVips, held)))
                .toList();
        return new LoadBalancerConfig(kept, full.backends(), full.maxConnections());
    }

    private static boolean allowed(HostPort bind, List<VipConfig> bindVips, Set<String> held) {
        for (VipConfig v : bindVips) {
            if (v.matches(bind.host())) {
                return held.contains(v.ip());
            }
        }
        return true;
    }

    /** The frontends bound for the VIPs held now. */
    public synchronized LoadBalancerConfig current() {
        return view(full, bindVips, held);
    }

    /** The names of the frontends that bind {@code vip}. */
    public synchronized List<String> frontendsOf(VipConfig vip) {
        return full.frontends().stream()
                .filter(f -> f.binds().stream().anyMatch(b -> vip.matches(b.host())))
                .map(FrontendConfig::name)
                .toList();
    }

    /**
     * Binds ({@code hold}) or closes the frontends of {@code vip}.
     *
     * @throws VipException when a listener cannot be bound (the address is in use: the peer has not
     *         released it yet); nothing changes then
     */
    public synchronized void hold(VipConfig vip, boolean hold) {
        boolean changed = hold ? held.add(vip.ip()) : held.remove(vip.ip());
        if (!changed) {
            return;
        }
        try {
            lb.apply(view(full, bindVips, held));
        } catch (LoadBalancerException | IllegalStateException e) {
            if (hold) {
                held.remove(vip.ip());
            } else {
                held.add(vip.ip());
            }
            throw new VipException(
                    "VIP " + vip.ip() + ": cannot " + (hold ? "bind" : "close") + " its frontends: " + e.getMessage(),
                    e);
        }
    }

    /**
     * Applies a new whole configuration (a reload), keeping the VIP frontends of VIPs not held
     * unbound, and prepares those again.
     *
     * @throws LoadBalancerException as {@link LoadBalancer#apply}; nothing changes then
     */
    public synchronized void apply(LoadBalancerConfig next) {
        apply(next, bindVips);
    }

    /**
     * Applies a new whole configuration and a new list of VIPs (a reload of both): the frontends
     * of the {@code bind}-driver VIPs among {@code vips} that are held now stay bound, those of the
     * others unbound; a frontend on an address that is no longer a {@code bind}-driver VIP is bound
     * like any other.
     *
     * @throws LoadBalancerException as {@link LoadBalancer#apply}; nothing changes then
     */
    public synchronized void apply(LoadBalancerConfig next, List<VipConfig> vips) {
        List<VipConfig> nextBind = bindOnly(vips);
        Set<String> stillHeld = new HashSet<>(held);
        stillHeld.retainAll(nextBind.stream().map(VipConfig::ip).toList());
        lb.apply(view(next, nextBind, stillHeld));
        full = next;
        bindVips = nextBind;
        held.retainAll(stillHeld);
        prepare();
    }

    /**
     * Builds ahead the TLS of the frontends not bound now ({@link LoadBalancer#prepare}), so that
     * binding them on a claim does not wait for it. A failure is only logged: the claim, which
     * needs the same files, fails then with the same reason.
     */
    public synchronized void prepare() {
        if (bindVips.isEmpty()) {
            return;
        }
        try {
            lb.prepare(full);
        } catch (LoadBalancerException | IllegalStateException e) {
            log.warn("the TLS of the frontends of VIPs not held could not be prepared: {}", e.getMessage());
        }
    }
}
