package org.tandemlb.admin.config;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tandemlb.admin.config.HealthCheckRules.HealthPartial;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.Timeouts;

/**
 * The rules of the {@code defaults} section, and of the keys frontends and backends share with
 * it or with each other: {@code timeouts}, merged key by key over the defaults, and {@code mode}.
 */
final class DefaultsRules {

    private static final List<String> DEFAULTS_KEYS = List.of("timeouts", "retries", "health_check");
    private static final List<String> TIMEOUT_KEYS =
            List.of("connect", "client", "server", "http_request", "keep_alive", "tunnel", "queue", "drain");
    private static final List<String> MODES = List.of("http", "tcp");

    private final HealthCheckRules healthChecks;

    DefaultsRules(HealthCheckRules healthChecks) {
        this.healthChecks = healthChecks;
    }

    /** What the {@code defaults} section gives frontends and backends. */
    record Defaults(Map<String, Duration> timeouts, Integer retries, HealthPartial healthCheck) {}

    Defaults read(Section top) {
        Section s = top.section("defaults", DEFAULTS_KEYS);
        if (s == null) {
            return new Defaults(Map.of(), null, null);
        }
        Map<String, Duration> timeouts = timeouts(s);
        Integer retries = s.integer("retries", 0, Integer.MAX_VALUE);
        Section hc = s.section("health_check", HealthCheckRules.HEALTH_KEYS);
        HealthPartial health = hc == null ? null : healthChecks.read(hc, null, true);
        return new Defaults(timeouts, retries, health);
    }

    /** The timeouts a section sets itself, by config key; merged over the defaults later. */
    static Map<String, Duration> timeouts(Section parent) {
        Section s = parent.section("timeouts", TIMEOUT_KEYS);
        Map<String, Duration> set = new HashMap<>();
        if (s == null) {
            return set;
        }
        for (String key : TIMEOUT_KEYS) {
            // drain 0s means "close at once"; every other timeout of 0 would fail every connection.
            Duration d = s.duration(key, !key.equals("drain"));
            if (d != null) {
                set.put(key, d);
            }
        }
        return set;
    }

    /** A section's own timeouts over the defaults', over lb-core's {@link Timeouts#DEFAULTS}. */
    static Timeouts mergeTimeouts(Map<String, Duration> defaults, Map<String, Duration> own) {
        Map<String, Duration> all = new HashMap<>(defaults);
        all.putAll(own);
        Timeouts.Builder b = Timeouts.DEFAULTS.toBuilder();
        all.forEach((key, d) -> {
            switch (key) {
                case "connect" -> b.connect(d);
                case "client" -> b.client(d);
                case "server" -> b.server(d);
                case "http_request" -> b.httpRequest(d);
                case "keep_alive" -> b.keepAlive(d);
                case "tunnel" -> b.tunnel(d);
                case "queue" -> b.queue(d);
                case "drain" -> b.drain(d);
                default -> throw new IllegalStateException(key);
            }
        });
        return b.build();
    }

    /** A frontend's or backend's {@code mode}: null when absent or wrong (reported). */
    static Mode mode(Section s) {
        return s.enumChoice("mode", MODES, Mode.class);
    }
}
