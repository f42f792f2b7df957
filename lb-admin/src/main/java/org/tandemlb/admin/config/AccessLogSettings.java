package org.tandemlb.admin.config;

import java.util.Locale;
import java.util.Objects;

/**
 * The access log of one frontend: one line per HTTP request, or per TCP connection.
 *
 * @param target {@code stdout}, {@code off}, or a file path (a relative path is relative to the
 *               daemon's working directory)
 * @param format {@link Format#TEXT} or {@link Format#JSON}
 */
public record AccessLogSettings(String target, Format format) {

    /** The target that writes to standard output. */
    public static final String STDOUT = "stdout";
    /** The target that turns the access log off. */
    public static final String OFF = "off";

    /** What a frontend gets when it has no {@code access_log}: text lines on standard output. */
    public static final AccessLogSettings DEFAULT = new AccessLogSettings(STDOUT, Format.TEXT);

    /** The line format. */
    public enum Format {
        /** One human-readable line, in the spirit of HAProxy's {@code option httplog}. */
        TEXT,
        /** One JSON object per line. */
        JSON;

        /** The name used in the config file. */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public AccessLogSettings {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(format, "format");
        if (target.isEmpty()) {
            throw new IllegalArgumentException("access_log target must not be empty");
        }
    }

    /** Whether the log is written at all. */
    public boolean enabled() {
        return !OFF.equals(target);
    }

    /** Whether the log goes to standard output. */
    public boolean toStdout() {
        return STDOUT.equals(target);
    }
}
