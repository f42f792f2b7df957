package org.tandemlb.admin.daemon;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.admin.api.AdminMetrics;
import org.tandemlb.admin.api.AdminServer;
import org.tandemlb.admin.api.AdminTarget;
import org.tandemlb.admin.config.TandemConfig;
import org.tandemlb.core.LoadBalancerException;

/**
 * How the daemon's start opens the admin server (the API, {@code /metrics} and the status page)
 * as its {@link Daemon.Admin} mode says.
 */
final class AdminStart {
    // The daemon's log lines, under its name as before this class was split from it.
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    private AdminStart() {}

    /**
     * The admin server on {@code admin.listen}, or null: with {@link Daemon.Admin#OFF}, or with
     * {@link Daemon.Admin#IF_FREE} when the address cannot be bound (a warning).
     *
     * @throws LoadBalancerException with {@link Daemon.Admin#REQUIRED}, when the address cannot be bound
     */
    static AdminServer start(Daemon.Admin mode, TandemConfig config, AdminTarget target, AdminMetrics registry) {
        if (mode == Daemon.Admin.OFF) {
            return null;
        }
        try {
            return AdminServer.start(config.admin().listen(), target, registry);
        } catch (LoadBalancerException e) {
            if (mode == Daemon.Admin.REQUIRED) {
                throw e;
            }
            log.warn("{}: running without the admin API, /metrics and status page", e.getMessage());
            return null;
        }
    }
}
