package org.tandemlb.admin.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tandemlb.admin.config.BackendRules.BackendItem;
import org.tandemlb.admin.config.DefaultsRules.Defaults;
import org.tandemlb.admin.config.Section.NamedItem;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.HostPort;
import org.tandemlb.core.config.Http2Config;
import org.tandemlb.core.config.HttpRules;
import org.tandemlb.core.config.LimitsConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.RouteConfig;
import org.tandemlb.core.config.TlsConfig;

/**
 * The rules of the {@code frontends} section: each frontend with its binds, routes and access
 * log, and its references to backends (defined, and in the frontend's mode).
 */
final class FrontendRules {

    private static final List<String> FRONTEND_KEYS = List.of(
            "name",
            "mode",
            "bind",
            "max_connections",
            "default_backend",
            "routes",
            "timeouts",
            "access_log",
            "tls",
            "accept_proxy",
            "retries",
            "health_check",
            "redirect_https",
            "redirect_https_port",
            "hsts",
            "h2c",
            "http2",
            "limits",
            "request_headers",
            "response_headers",
            "request_id",
            "error_pages");
    private static final List<String> ACCESS_LOG_KEYS = List.of("target", "format");
    private static final List<String> LOG_FORMATS = List.of("text", "json");
    private static final List<String> HTTP2_KEYS = List.of(
            "max_concurrent_streams",
            "initial_window_size",
            "header_table_size",
            "max_header_list_size",
            "max_resets",
            "reset_window");
    private static final List<String> LIMITS_KEYS =
            List.of("max_header_size", "max_headers", "max_uri_length", "max_body_size", "min_body_rate", "per_client");
    private static final List<String> PER_CLIENT_KEYS = List.of("connections", "requests_per_second");

    private final Problems problems;

    FrontendRules(Problems problems) {
        this.problems = problems;
    }

    /**
     * The frontends that have no problem; {@code accessLogs} receives each one's access log by
     * frontend name.
     */
    List<FrontendConfig> read(
            Section top, Defaults defaults, List<BackendItem> backends, Map<String, AccessLogSettings> accessLogs) {
        Map<String, BackendItem> backendsByName = new HashMap<>();
        for (BackendItem b : backends) {
            if (b.name() != null) {
                backendsByName.putIfAbsent(b.name(), b);
            }
        }
        List<FrontendConfig> out = new ArrayList<>();
        for (NamedItem item : top.namedList("frontends", "frontend")) {
            int before = problems.count();
            Section s = top.open(item.node(), item.path(), FRONTEND_KEYS);
            Mode mode = DefaultsRules.mode(s);
            boolean modeKnown = mode != null || s.value("mode") == null;
            Mode effectiveMode = mode == null ? Mode.HTTP : mode;
            List<HostPort> binds = binds(s);
            Integer maxConnections = s.integer("max_connections", 0, Integer.MAX_VALUE);
            String defaultBackend = s.string("default_backend");
            if (s.required("default_backend") && defaultBackend != null) {
                reference(
                        s.scalar("default_backend"),
                        s.path("default_backend"),
                        defaultBackend,
                        item,
                        modeKnown ? effectiveMode : null,
                        backendsByName);
            }
            List<RouteConfig> routes = new RouteRules(problems)
                    .read(
                            s,
                            item,
                            modeKnown ? effectiveMode : null,
                            backendsByName,
                            (at, path, backend, fe, m) -> reference(at, path, backend, fe, m, backendsByName));
            HttpRules rules = new HeaderRules(problems).read(s, modeKnown ? effectiveMode : null, true);
            Map<String, Duration> timeouts = DefaultsRules.timeouts(s);
            AccessLogSettings accessLog = accessLog(s);
            Http2Config http2 = http2(s, modeKnown ? effectiveMode : null);
            TlsConfig tls = new TlsRules(problems).read(s);
            LimitsConfig limits = limits(s, modeKnown ? effectiveMode : null);
            Boolean acceptProxy = s.bool("accept_proxy");
            HttpsSettings https = https(s, modeKnown ? effectiveMode : null);
            for (String key : List.of("retries", "health_check")) {
                if (s.has(key)) {
                    problems.report(
                            s.key(key),
                            s.path,
                            "'" + key + "' is a backend setting: set it on the backends " + "or in defaults");
                }
            }
            if (problems.count() == before && item.name() != null) {
                FrontendConfig f = problems.build(
                        s.node,
                        s.path,
                        () -> new FrontendConfig(
                                item.name(),
                                effectiveMode,
                                binds,
                                maxConnections == null ? 0 : maxConnections,
                                defaultBackend,
                                routes,
                                DefaultsRules.mergeTimeouts(defaults.timeouts(), timeouts),
                                acceptProxy != null && acceptProxy,
                                https.redirect(),
                                https.redirectPort(),
                                https.hsts(),
                                http2,
                                tls,
                                limits,
                                rules));
                if (f != null) {
                    out.add(f);
                    accessLogs.put(item.name(), accessLog == null ? AccessLogSettings.DEFAULT : accessLog);
                }
            }
        }
        return out;
    }

    /** A frontend's {@code redirect_https}, {@code redirect_https_port} and {@code hsts}. */
    private record HttpsSettings(boolean redirect, int redirectPort, Duration hsts) {}

    /**
     * {@code redirect_https} (with its port) belongs on a cleartext http frontend, {@code hsts} on
     * one with {@code tls}; neither in tcp mode.
     */
    private HttpsSettings https(Section s, Mode mode) {
        Boolean redirect = s.bool("redirect_https");
        Integer port = s.integer("redirect_https_port", 1, 65535);
        Duration hsts = s.parsed("hsts", Units::parseLifetime);
        boolean on = redirect != null && redirect;
        if (port != null && !on) {
            problems.report(
                    s.key("redirect_https_port"),
                    s.path("redirect_https_port"),
                    "redirect_https_port needs redirect_https: true");
        }
        if (on && s.has("tls")) {
            problems.report(
                    s.key("redirect_https"),
                    s.path("redirect_https"),
                    "redirect_https is for a cleartext frontend; this one has tls");
        }
        if (hsts != null && !s.has("tls")) {
            problems.report(s.key("hsts"), s.path("hsts"), "hsts needs tls on this frontend");
        }
        for (String key : List.of("redirect_https", "hsts")) {
            if (mode == Mode.TCP && s.has(key)) {
                problems.report(s.key(key), s.path(key), key + " needs mode http; this frontend is in tcp mode");
            }
        }
        return new HttpsSettings(on, port == null ? 0 : port, hsts);
    }

    /** {@code bind}: one host:port or a list of them. */
    private List<HostPort> binds(Section s) {
        YamlNode n = s.value("bind");
        if (n == null) {
            s.missing("bind");
            return List.of();
        }
        if (n instanceof YamlNode.Scalar) {
            HostPort hp = s.hostPort("bind", true);
            return hp == null ? List.of() : List.of(hp);
        }
        if (!(n instanceof YamlNode.Sequence seq)) {
            problems.report(n, s.path("bind"), "expected host:port or a list of them, not " + n.kind());
            return List.of();
        }
        if (seq.items().isEmpty()) {
            problems.report(n, s.path("bind"), "needs at least one host:port");
        }
        return s.hostPorts("bind", seq.items(), true);
    }

    /** Checks that {@code backend} is defined and, when {@code mode} is known, in that mode. */
    private void reference(
            YamlNode.Scalar at,
            String path,
            String backend,
            NamedItem frontend,
            Mode mode,
            Map<String, BackendItem> backends) {
        BackendItem b = backends.get(backend);
        if (b == null) {
            problems.report(
                    at,
                    path,
                    "backend '" + backend + "' is not defined" + Suggestions.didYouMean(backend, backends.keySet()));
        } else if (mode != null && b.mode() != null && b.mode() != mode) {
            problems.report(
                    at,
                    path,
                    "backend '" + backend + "' is in " + b.mode().configName() + " mode but "
                            + (frontend.name() == null ? "this frontend" : "frontend '" + frontend.name() + "'")
                            + " is in " + mode.configName() + " mode");
        }
    }

    /** {@code h2c} and the {@code http2} limits; http mode only. */
    private Http2Config http2(Section frontend, Mode mode) {
        Boolean h2c = frontend.bool("h2c");
        Section s = frontend.section("http2", HTTP2_KEYS);
        if (mode == Mode.TCP) {
            for (String key : List.of("h2c", "http2")) {
                if (frontend.has(key)) {
                    problems.report(
                            frontend.key(key),
                            frontend.path(key),
                            key + " needs mode http; this frontend " + "is in tcp mode");
                }
            }
        }
        Http2Config d = Http2Config.DEFAULTS;
        if (s == null) {
            return d.withH2c(h2c != null && h2c);
        }
        Integer streams = s.integer("max_concurrent_streams", 1, Integer.MAX_VALUE);
        Integer window = s.integer("initial_window_size", 1, Integer.MAX_VALUE - 1);
        Integer table = s.integer("header_table_size", 0, Integer.MAX_VALUE);
        Integer headers = s.integer("max_header_list_size", 1024, Integer.MAX_VALUE);
        Integer resets = s.integer("max_resets", 1, Integer.MAX_VALUE);
        Duration resetWindow = s.duration("reset_window", true);
        if (resetWindow != null && resetWindow.toSeconds() < 1) {
            problems.report(s.scalar("reset_window"), s.path("reset_window"), "must be at least 1s");
            resetWindow = null;
        }
        return new Http2Config(
                h2c != null && h2c,
                streams == null ? d.maxConcurrentStreams() : streams,
                window == null ? d.initialWindowSize() : window,
                table == null ? d.headerTableSize() : table,
                headers == null ? d.maxHeaderListSize() : headers,
                resets == null ? d.maxResets() : resets,
                resetWindow == null ? d.resetWindow() : resetWindow);
    }

    /**
     * {@code limits}: the sizes of a request and the slowest body (http mode only) and what one
     * client address may hold and send ({@code requests_per_second} in http mode only).
     */
    private LimitsConfig limits(Section frontend, Mode mode) {
        Section s = frontend.section("limits", LIMITS_KEYS);
        LimitsConfig d = LimitsConfig.DEFAULTS;
        if (s == null) {
            return d;
        }
        Integer headerSize = size(s, "max_header_size", LimitsConfig.MIN_HEADER_SIZE, LimitsConfig.MAX_HEADER_SIZE);
        Integer headers = s.integer("max_headers", 1, LimitsConfig.MAX_HEADERS);
        Integer uri = size(s, "max_uri_length", LimitsConfig.MIN_URI_LENGTH, LimitsConfig.MAX_URI_LENGTH);
        Long body = s.parsed("max_body_size", text -> {
            long n = Units.parseSize(text);
            if (n < 1) {
                throw new IllegalArgumentException("must be at least 1 byte (leave max_body_size out for no limit)");
            }
            return n;
        });
        Long rate = s.parsed("min_body_rate", FrontendRules::bodyRate);
        if (mode == Mode.TCP) {
            for (String key :
                    List.of("max_header_size", "max_headers", "max_uri_length", "max_body_size", "min_body_rate")) {
                if (s.has(key)) {
                    problems.report(s.key(key), s.path(key), key + " needs mode http; this frontend is in tcp mode");
                }
            }
        }
        LimitsConfig.PerClient perClient = LimitsConfig.PerClient.NONE;
        Section pc = s.section("per_client", PER_CLIENT_KEYS);
        if (pc != null) {
            Integer connections = pc.integer("connections", 1, 1_000_000);
            Integer requests = pc.integer("requests_per_second", 1, 1_000_000);
            if (mode == Mode.TCP && requests != null) {
                problems.report(
                        pc.key("requests_per_second"),
                        pc.path("requests_per_second"),
                        "requests_per_second needs mode http; this frontend is in tcp mode");
            }
            perClient =
                    new LimitsConfig.PerClient(connections == null ? 0 : connections, requests == null ? 0 : requests);
        }
        return new LimitsConfig(
                headerSize == null ? d.maxHeaderSize() : headerSize,
                headers == null ? d.maxHeaders() : headers,
                uri == null ? d.maxUriLength() : uri,
                body == null ? d.maxBodySize() : body,
                rate == null ? d.minBodyRate() : rate,
                perClient);
    }

    /** {@code min_body_rate}: a size a second, {@code 1KiB} or {@code 1KiB/s}, at least 1 byte. */
    private static long bodyRate(String text) {
        String t = text.trim();
        long n = Units.parseSize(t.endsWith("/s") ? t.substring(0, t.length() - 2) : t);
        if (n < 1) {
            throw new IllegalArgumentException(
                    "must be at least 1 byte a second, like 1KiB/s (leave min_body_rate out for no minimum)");
        }
        return n;
    }

    /** A size ({@code 16KiB}, or bytes) within {@code min}-{@code max} bytes. */
    private static Integer size(Section s, String key, int min, int max) {
        Long n = s.parsed(key, text -> {
            long v = Units.parseSize(text);
            if (v < min || v > max) {
                throw new IllegalArgumentException(
                        text + " is out of range: use " + Units.formatSize(min) + " to " + Units.formatSize(max));
            }
            return v;
        });
        return n == null ? null : n.intValue();
    }

    private AccessLogSettings accessLog(Section frontend) {
        Section s = frontend.section("access_log", ACCESS_LOG_KEYS);
        if (s == null) {
            return null;
        }
        String target = s.string("target");
        if (target != null && target.isBlank()) {
            problems.report(s.scalar("target"), s.path("target"), "must be stdout, off or a file path, not empty");
            return null;
        }
        AccessLogSettings.Format format = s.enumChoice("format", LOG_FORMATS, AccessLogSettings.Format.class);
        return new AccessLogSettings(
                target == null ? AccessLogSettings.STDOUT : target,
                format == null ? AccessLogSettings.Format.TEXT : format);
    }
}
