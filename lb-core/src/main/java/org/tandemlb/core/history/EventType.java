package org.tandemlb.core.history;

import java.util.Locale;

/** What an {@link Event} is about; {@link #apiName()} is its name in the admin API. */
public enum EventType {
    /** A server went up or down, or the result of its health check changed. */
    SERVER_HEALTH,
    /** A server's admin state changed ({@code ready}, {@code drain}, {@code maint}). */
    SERVER_STATE,
    /** A server's weight was changed at run time. */
    SERVER_WEIGHT,
    /** A configuration was applied, or refused with its errors. */
    RELOAD,
    /** A problem in a configuration file (a refused reload has one event per problem). */
    CONFIG_ERROR,
    /** This node's role in its cluster changed (active, standby). */
    CLUSTER_ROLE,
    /** This node took the VIPs over from an earlier holder. */
    FAILOVER;

    /** {@code server_health}, {@code reload}, ...: the name in the admin API. */
    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
