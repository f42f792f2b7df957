package org.tandemlb.cluster.vip;

import java.util.List;
import org.tandemlb.cluster.VipConfig;

/**
 * Takes and releases one VIP. Every method may block (processes, binding sockets): the cluster
 * node calls them on its own VIP thread, one at a time, never on an event loop or a JGroups
 * thread. A failure is a {@link VipException} with a one-line message.
 */
public interface VipDriver {

    /** The VIP this driver handles. */
    VipConfig vip();

    /**
     * Called once before the node joins the cluster: checks what the driver needs (commands,
     * capabilities) and removes a stale copy of the VIP left by an earlier run.
     *
     * @throws VipException with a message that says what to do
     */
    void prepare();

    /**
     * What {@link #prepare} checks, without touching the VIP: for a reload that moves a VIP (a new
     * group, interface or driver) whose address this node may hold now under its former settings.
     *
     * @throws VipException with a message that says what to do
     */
    default void check() {}

    /** Takes the VIP. */
    void claim();

    /** Called periodically while the VIP is held (renews a lease). */
    default void renew() {}

    /**
     * Announces the VIP once more (gratuitous ARP, an unsolicited neighbour advertisement for IPv6);
     * the node calls it a few times, spread over the two seconds after a claim.
     */
    default void announce() {}

    /** Releases the VIP; idempotent, and safe when it is not held. */
    void release();

    /**
     * Whether a peer can only take the VIP once this node has released it (a socket on one host);
     * otherwise a planned handover is make-before-break: the peer claims, then this node releases.
     */
    default boolean exclusive() {
        return false;
    }

    /** The hardware addresses this node answers for the VIP from (lower case), for DAD. */
    default List<String> hardwareAddresses() {
        return List.of();
    }

    /**
     * Duplicate-address detection: the hardware addresses, other than this node's, that answer for
     * the VIP now (lower case); empty when the driver cannot tell.
     */
    default List<String> answering() {
        return List.of();
    }
}
