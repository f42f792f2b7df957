package org.tandemlb.core.config;

/**
 * Passive health checking on live traffic.
 *
 * @param errorLimit consecutive connect errors or timeouts that mark a server down at once;
 *                   0 turns passive checking off
 */
public record PassiveCheckConfig(int errorLimit) {
    /** Passive checking off. */
    public static final PassiveCheckConfig OFF = new PassiveCheckConfig(0);

    public PassiveCheckConfig {
        if (errorLimit < 0) {
            throw new IllegalArgumentException("error_limit must not be negative");
        }
    }

    /** Whether passive checking is on. */
    public boolean enabled() {
        return errorLimit > 0;
    }
}
