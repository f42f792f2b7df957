package org.tandemlb.cluster.vip;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.cluster.VipConfig;

/**
 * The {@code bind} driver: the active node binds the frontends that listen on the VIP, the
 * standby closes them (docs/cluster.md). For one host running two nodes, and for tests on loopback
 * addresses such as 127.0.0.100 (on Linux the whole of 127.0.0.0/8 is local without adding it).
 * Exclusive: a peer on the same host can bind only once this node has closed its listeners, so a
 * planned handover releases first.
 */
public final class BindVipDriver implements VipDriver {
    private static final Logger log = LoggerFactory.getLogger(BindVipDriver.class);
    private final VipConfig vip;
    private final FrontendGate gate;

    public BindVipDriver(VipConfig vip, FrontendGate gate) {
        if (vip.driver() != VipConfig.Driver.BIND) {
            throw new IllegalArgumentException("not a bind VIP: " + vip);
        }
        this.vip = vip;
        this.gate = gate;
    }

    @Override
    public VipConfig vip() {
        return vip;
    }

    @Override
    public void prepare() {
        if (gate.frontendsOf(vip).isEmpty()) {
            log.warn("VIP {} (bind driver): no frontend binds it, so holding it changes nothing", vip.ip());
        }
        // Their TLS built now rather than on the claim, which a failover waits for.
        gate.prepare();
    }

    @Override
    public void claim() {
        gate.hold(vip, true);
        log.info("VIP {}: frontends {} bound", vip.ip(), gate.frontendsOf(vip));
    }

    @Override
    public void release() {
        gate.hold(vip, false);
        log.info("VIP {}: frontends {} closed", vip.ip(), gate.frontendsOf(vip));
    }

    @Override
    public boolean exclusive() {
        return true;
    }
}
