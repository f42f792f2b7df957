package org.tandemlb.core.health;

import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.HealthCheckConfig;

/**
 * Where the checks of a server run and how they probe it. The production factory
 * ({@link NettyChecks}) puts each server on one of the load balancer's event loops and probes
 * over real sockets; tests supply fake probes and a virtual-time scheduler.
 */
public interface CheckFactory {

    /** A scheduler for the checks of one more server (production: the next event loop, round-robin). */
    CheckScheduler scheduler();

    /** The probe {@code config} describes, of {@code server}, run on {@code scheduler}. */
    Check check(Server server, HealthCheckConfig config, CheckScheduler scheduler);
}
