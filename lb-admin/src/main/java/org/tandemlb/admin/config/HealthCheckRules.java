package org.tandemlb.admin.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.tandemlb.core.config.HealthCheckConfig;
import org.tandemlb.core.config.HealthCheckConfig.StatusRange;
import org.tandemlb.core.config.SendProxy;

/**
 * The rules of a {@code health_check} section, in {@code defaults} or in a backend: its keys, the
 * keys that belong to one check type only, and the merge of a backend's own section over the
 * defaults into lb-core's {@link HealthCheckConfig}.
 */
final class HealthCheckRules {

    static final List<String> HEALTH_KEYS = List.of(
            "type",
            "interval",
            "timeout",
            "rise",
            "fall",
            "fast_interval",
            "down_interval",
            "method",
            "path",
            "host",
            "expect_status",
            "expect_body",
            "user",
            "send_proxy",
            "service");
    private static final List<String> HTTP_CHECK_KEYS =
            List.of("method", "path", "host", "expect_status", "expect_body");
    private static final List<String> MYSQL_CHECK_KEYS = List.of("user");
    private static final List<String> GRPC_CHECK_KEYS = List.of("service");
    private static final List<String> CHECK_TYPES = List.of("tcp", "http", "mysql", "grpc", "none");
    private static final List<String> SEND_PROXY = List.of("none", "v1", "v2");
    private static final Pattern HTTP_METHOD = Pattern.compile("[A-Z]+");

    private final Problems problems;

    HealthCheckRules(Problems problems) {
        this.problems = problems;
    }

    /**
     * The health-check keys a section sets itself (null fields are not set); {@code type} is
     * "tcp", "http", "mysql", "grpc" or "none".
     */
    record HealthPartial(
            String type,
            Duration interval,
            Duration timeout,
            Integer rise,
            Integer fall,
            Duration fastInterval,
            Duration downInterval,
            String method,
            String path,
            String host,
            StatusRange expectStatus,
            String expectBody,
            String user,
            SendProxy sendProxy,
            String service) {

        /** {@code own} over this, key by key. */
        HealthPartial overlay(HealthPartial own) {
            return new HealthPartial(
                    or(own.type, type),
                    or(own.interval, interval),
                    or(own.timeout, timeout),
                    or(own.rise, rise),
                    or(own.fall, fall),
                    or(own.fastInterval, fastInterval),
                    or(own.downInterval, downInterval),
                    or(own.method, method),
                    or(own.path, path),
                    or(own.host, host),
                    or(own.expectStatus, expectStatus),
                    or(own.expectBody, expectBody),
                    or(own.user, user),
                    or(own.sendProxy, sendProxy),
                    or(own.service, service));
        }

        private static <T> T or(T a, T b) {
            return a != null ? a : b;
        }
    }

    /**
     * Reads a {@code health_check} section. A key that belongs to another check type than the
     * section's is an error at that key; the type is the section's own {@code type}, or for a
     * backend the inherited one (tcp when none). The defaults section without a {@code type} may
     * hold keys of any type, for the backends that set one.
     */
    HealthPartial read(Section s, String inheritedType, boolean isDefaults) {
        boolean typeWritten = s.has("type");
        String type = s.choice("type", CHECK_TYPES);
        HealthPartial h = new HealthPartial(
                type,
                s.duration("interval", true),
                s.duration("timeout", true),
                s.integer("rise", 1, Integer.MAX_VALUE),
                s.integer("fall", 1, Integer.MAX_VALUE),
                s.duration("fast_interval", true),
                s.duration("down_interval", true),
                s.string("method"),
                s.string("path"),
                s.string("host"),
                statusRange(s, "expect_status"),
                s.string("expect_body"),
                s.string("user"),
                s.enumChoice("send_proxy", SEND_PROXY, SendProxy.class),
                s.string("service"));
        if (h.method != null && !HTTP_METHOD.matcher(h.method).matches()) {
            problems.report(
                    s.scalar("method"),
                    s.path("method"),
                    "'" + h.method + "' is not an HTTP method: write it in upper case, such as GET or HEAD");
        }
        if (h.path != null && !h.path.startsWith("/")) {
            problems.report(s.scalar("path"), s.path("path"), "'" + h.path + "' must start with /");
        }
        if (h.user != null && h.user.isEmpty()) {
            problems.report(
                    s.scalar("user"), s.path("user"), "must not be empty (leave user out to only read the greeting)");
        }
        String effective = type != null
                ? type
                : typeWritten
                        ? null // a bad type was already reported
                        : isDefaults ? null : inheritedType != null ? inheritedType : "tcp";
        if (effective != null) {
            for (String key : HTTP_CHECK_KEYS) {
                typeSpecific(s, key, "http", effective);
            }
            for (String key : MYSQL_CHECK_KEYS) {
                typeSpecific(s, key, "mysql", effective);
            }
            for (String key : GRPC_CHECK_KEYS) {
                typeSpecific(s, key, "grpc", effective);
            }
        }
        return h;
    }

    private void typeSpecific(Section s, String key, String keyType, String effective) {
        if (s.has(key) && !keyType.equals(effective)) {
            YamlNode.Scalar k = s.key(key);
            problems.report(
                    k, s.path, "'" + key + "' is for type " + keyType + " checks; this check's type is " + effective);
        }
    }

    private StatusRange statusRange(Section s, String key) {
        String text = s.string(key);
        if (text == null) {
            return null;
        }
        try {
            return StatusRange.parse(text);
        } catch (IllegalArgumentException e) {
            problems.report(s.scalar(key), s.path(key), e.getMessage());
            return null;
        }
    }

    /**
     * lb-core's check for the merged keys, or null for type none; throws what its builder throws.
     * Without its own {@code send_proxy}, the check sends what the backend's traffic does
     * ({@code backendSendProxy}, null for none), as HAProxy's checks do.
     */
    static HealthCheckConfig build(HealthPartial h, SendProxy backendSendProxy) {
        String type = h.type == null ? "tcp" : h.type;
        if (type.equals("none")) {
            return null;
        }
        HealthCheckConfig.Builder b =
                HealthCheckConfig.builder(HealthCheckConfig.Type.valueOf(type.toUpperCase(Locale.ROOT)));
        if (h.interval != null) {
            b.interval(h.interval);
        }
        b.timeout(h.timeout)
                .fastInterval(h.fastInterval)
                .downInterval(h.downInterval)
                .sendProxy(h.sendProxy != null ? h.sendProxy : backendSendProxy);
        if (h.rise != null) {
            b.rise(h.rise);
        }
        if (h.fall != null) {
            b.fall(h.fall);
        }
        if (type.equals("http")) {
            b.method(h.method)
                    .path(h.path)
                    .host(h.host)
                    .expectStatus(h.expectStatus)
                    .expectBody(h.expectBody);
        } else if (type.equals("mysql")) {
            b.user(h.user);
        } else if (type.equals("grpc")) {
            b.service(h.service);
        }
        return b.build();
    }
}
