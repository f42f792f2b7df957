package org.tandemlb.core.backend;

import java.util.Locale;

/** The administrative state of a server, set by an operator (HAProxy's {@code set server state}). */
public enum AdminState {
    /** Takes traffic as its health allows. */
    READY,
    /** Takes no new connections or requests; those in progress finish. */
    DRAIN,
    /** Takes no traffic at all and is not health checked. */
    MAINT;

    /** The name used in the API and config: {@code ready}, {@code drain} or {@code maint}. */
    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code ready}, {@code drain} or {@code maint}. */
    public static AdminState parse(String s) {
        for (AdminState a : values()) {
            if (a.apiName().equals(s)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown state '" + s + "' (ready, drain or maint)");
    }
}
