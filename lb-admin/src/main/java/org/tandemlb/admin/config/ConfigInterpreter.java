package org.tandemlb.admin.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.tandemlb.cluster.ClusterConfig;
import org.tandemlb.cluster.ClusterStack;
import org.tandemlb.cluster.VipConfig;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Balance;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.HealthCheckConfig;
import org.tandemlb.core.config.HealthCheckConfig.StatusRange;
import org.tandemlb.core.config.HostPort;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.PassiveCheckConfig;
import org.tandemlb.core.config.RouteConfig;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.config.Timeouts;

/**
 * Turns a {@link YamlNode} tree into a {@link TandemConfig}, collecting every problem with its
 * position instead of stopping at the first. The rules are those documented on {@link ConfigLoader}.
 *
 * <p>Every check whose position matters is made here, on the tree, so that the problem points at
 * the right key or value; lb-core's and lb-cluster's records ({@link ClusterConfig},
 * {@link VipConfig}) are then built only from objects that had no problem, and an
 * {@link IllegalArgumentException} they still throw is reported at the object that failed.
 */
final class ConfigInterpreter {

    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IFACE = Pattern.compile("[A-Za-z0-9_.:@-]{1,15}");
    private static final Pattern HTTP_METHOD = Pattern.compile("[A-Z]+");

    static final List<String> TOP_KEYS = List.of("node", "admin", "defaults", "frontends", "backends", "cluster");
    static final List<String> ADMIN_KEYS = List.of("listen", "token");
    static final List<String> DEFAULTS_KEYS = List.of("timeouts", "retries", "health_check");
    static final List<String> TIMEOUT_KEYS = List.of("connect", "client", "server", "http_request", "keep_alive",
            "tunnel", "queue", "drain");
    static final List<String> HEALTH_KEYS = List.of("type", "interval", "timeout", "rise", "fall", "fast_interval",
            "down_interval", "method", "path", "host", "expect_status", "expect_body", "user");
    static final List<String> HTTP_CHECK_KEYS = List.of("method", "path", "host", "expect_status", "expect_body");
    static final List<String> MYSQL_CHECK_KEYS = List.of("user");
    static final List<String> FRONTEND_KEYS = List.of("name", "mode", "bind", "max_connections", "default_backend",
            "routes", "timeouts", "access_log", "tls", "accept_proxy", "retries", "health_check");
    static final List<String> ROUTE_KEYS = List.of("host", "path_prefix", "backend");
    static final List<String> ACCESS_LOG_KEYS = List.of("target", "format");
    static final List<String> BACKEND_KEYS = List.of("name", "mode", "balance", "health_check", "passive_check",
            "slow_start", "send_proxy", "timeouts", "retries", "servers");
    static final List<String> PASSIVE_KEYS = List.of("error_limit");
    static final List<String> SERVER_KEYS = List.of("name", "address", "weight", "backup", "max_connections");
    static final List<String> CLUSTER_KEYS = List.of("name", "bind", "peers", "priority", "preempt", "secret",
            "tiebreaker", "vips", "timings");
    static final List<String> VIP_KEYS = List.of("address", "interface", "driver", "on_active", "on_standby");

    private static final List<String> MODES = List.of("http", "tcp");
    private static final List<String> BALANCES = List.of("roundrobin", "leastconn", "random", "source");
    private static final List<String> CHECK_TYPES = List.of("tcp", "http", "mysql", "none");
    private static final List<String> SEND_PROXY = List.of("none", "v1", "v2");
    private static final List<String> LOG_FORMATS = List.of("text", "json");
    private static final List<String> DRIVERS = List.of("linux", "bind", "script");
    private static final List<String> TIMINGS = List.of("default", "fast");
    private static final int MAX_PRIORITY = 255;

    private final String file;
    private final Map<String, String> env;
    private final String defaultNode;
    private final List<ConfigProblem> problems;

    ConfigInterpreter(String file, Map<String, String> env, String defaultNode, List<ConfigProblem> problems) {
        this.file = file;
        this.env = env;
        this.defaultNode = defaultNode;
        this.problems = problems;
    }

    // ---------------------------------------------------------------------------------------------
    // The sections of the file

    /** The whole config, or null when a problem was found (then in {@code problems}). */
    TandemConfig interpret(YamlNode root) {
        if (!(root instanceof YamlNode.Mapping)) {
            problem(root, "", "the file must be a mapping of keys such as frontends and backends, not "
                    + root.kind());
            return null;
        }
        Section top = section(root, "", TOP_KEYS);
        String node = top.name("node", "node");
        AdminSettings admin = admin(top);
        Defaults defaults = defaults(top);
        List<BackendItem> backends = backends(top, defaults);
        Map<String, AccessLogSettings> accessLogs = new LinkedHashMap<>();
        List<FrontendConfig> frontends = frontends(top, defaults, backends, accessLogs);
        ClusterConfig cluster = cluster(top, node == null ? defaultNode : node);

        if (!problems.isEmpty()) {
            return null;
        }
        List<BackendConfig> backendConfigs = backends.stream().map(BackendItem::config).toList();
        LoadBalancerConfig lb = build(root, "", () -> new LoadBalancerConfig(frontends, backendConfigs));
        if (lb == null) {
            return null;
        }
        return build(root, "", () -> new TandemConfig(node == null ? defaultNode : node,
                admin == null ? AdminSettings.DEFAULTS : admin, lb, accessLogs, cluster));
    }

    private AdminSettings admin(Section top) {
        Section s = top.section("admin", ADMIN_KEYS);
        if (s == null) {
            return null;
        }
        int before = problems.size();
        HostPort listen = s.hostPort("listen", true);
        String token = s.string("token");
        if (listen != null && (token == null || token.isEmpty()) && !isLoopback(listen.host())) {
            problem(s.value("listen"), s.path("listen"), listen + " is not a loopback address: set admin.token, "
                    + "or listen on 127.0.0.1");
        }
        if (problems.size() > before) {
            return null;
        }
        return build(s.node, s.path, () -> new AdminSettings(listen == null ? AdminSettings.DEFAULT_LISTEN : listen,
                token));
    }

    /** What the {@code defaults} section gives frontends and backends. */
    private record Defaults(Map<String, Duration> timeouts, Integer retries, HealthPartial healthCheck) {
    }

    private Defaults defaults(Section top) {
        Section s = top.section("defaults", DEFAULTS_KEYS);
        if (s == null) {
            return new Defaults(Map.of(), null, null);
        }
        Map<String, Duration> timeouts = timeouts(s);
        Integer retries = s.integer("retries", 0, Integer.MAX_VALUE);
        Section hc = s.section("health_check", HEALTH_KEYS);
        HealthPartial health = hc == null ? null : healthCheck(hc, null, true);
        return new Defaults(timeouts, retries, health);
    }

    /** The timeouts a section sets itself, by config key; merged over the defaults later. */
    private Map<String, Duration> timeouts(Section parent) {
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

    private static Timeouts mergeTimeouts(Map<String, Duration> defaults, Map<String, Duration> own) {
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

    /**
     * The health-check keys a section sets itself (null fields are not set); {@code type} is
     * "tcp", "http", "mysql" or "none".
     */
    private record HealthPartial(String type, Duration interval, Duration timeout, Integer rise, Integer fall,
                                 Duration fastInterval, Duration downInterval, String method, String path,
                                 String host, StatusRange expectStatus, String expectBody, String user) {

        /** {@code own} over this, key by key. */
        HealthPartial overlay(HealthPartial own) {
            return new HealthPartial(or(own.type, type), or(own.interval, interval), or(own.timeout, timeout),
                    or(own.rise, rise), or(own.fall, fall), or(own.fastInterval, fastInterval),
                    or(own.downInterval, downInterval), or(own.method, method), or(own.path, path),
                    or(own.host, host), or(own.expectStatus, expectStatus), or(own.expectBody, expectBody),
                    or(own.user, user));
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
    private HealthPartial healthCheck(Section s, String inheritedType, boolean isDefaults) {
        boolean typeWritten = s.has("type");
        String type = s.choice("type", CHECK_TYPES);
        HealthPartial h = new HealthPartial(type,
                s.duration("interval", true), s.duration("timeout", true),
                s.integer("rise", 1, Integer.MAX_VALUE), s.integer("fall", 1, Integer.MAX_VALUE),
                s.duration("fast_interval", true), s.duration("down_interval", true),
                s.string("method"), s.string("path"), s.string("host"), statusRange(s, "expect_status"),
                s.string("expect_body"), s.string("user"));
        if (h.method != null && !HTTP_METHOD.matcher(h.method).matches()) {
            problem(s.scalar("method"), s.path("method"), "'" + h.method
                    + "' is not an HTTP method: write it in upper case, such as GET or HEAD");
        }
        if (h.path != null && !h.path.startsWith("/")) {
            problem(s.scalar("path"), s.path("path"), "'" + h.path + "' must start with /");
        }
        if (h.user != null && h.user.isEmpty()) {
            problem(s.scalar("user"), s.path("user"), "must not be empty (leave user out to only read the greeting)");
        }
        String effective = type != null ? type
                : typeWritten ? null            // a bad type was already reported
                : isDefaults ? null
                : inheritedType != null ? inheritedType : "tcp";
        if (effective != null) {
            for (String key : HTTP_CHECK_KEYS) {
                typeSpecific(s, key, "http", effective);
            }
            for (String key : MYSQL_CHECK_KEYS) {
                typeSpecific(s, key, "mysql", effective);
            }
        }
        return h;
    }

    private void typeSpecific(Section s, String key, String keyType, String effective) {
        if (s.has(key) && !keyType.equals(effective)) {
            YamlNode.Scalar k = s.key(key);
            problem(k, s.path, "'" + key + "' is for type " + keyType + " checks; this check's type is " + effective);
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
            problem(s.scalar(key), s.path(key), e.getMessage());
            return null;
        }
    }

    private HealthCheckConfig buildHealthCheck(HealthPartial h) {
        String type = h.type == null ? "tcp" : h.type;
        if (type.equals("none")) {
            return null;
        }
        HealthCheckConfig.Builder b = HealthCheckConfig.builder(
                HealthCheckConfig.Type.valueOf(type.toUpperCase(Locale.ROOT)));
        if (h.interval != null) {
            b.interval(h.interval);
        }
        b.timeout(h.timeout).fastInterval(h.fastInterval).downInterval(h.downInterval);
        if (h.rise != null) {
            b.rise(h.rise);
        }
        if (h.fall != null) {
            b.fall(h.fall);
        }
        if (type.equals("http")) {
            b.method(h.method).path(h.path).host(h.host).expectStatus(h.expectStatus).expectBody(h.expectBody);
        } else if (type.equals("mysql")) {
            b.user(h.user);
        }
        return b.build();
    }

    // ---------------------------------------------------------------------------------------------
    // Backends

    /**
     * A backend as far as it could be read: its name and mode serve the frontends' references
     * even when the backend itself has a problem.
     */
    private record BackendItem(String name, Mode mode, BackendConfig config) {
    }

    private List<BackendItem> backends(Section top, Defaults defaults) {
        List<BackendItem> out = new ArrayList<>();
        NamedList list = top.namedList("backends", "backend");
        for (NamedItem item : list.items) {
            int before = problems.size();
            Section s = section(item.node, item.path, BACKEND_KEYS);
            Mode mode = mode(s);
            Balance balance = enumChoice(s, "balance", BALANCES, Balance.class);
            Section own = s.section("health_check", HEALTH_KEYS);
            String inheritedType = defaults.healthCheck == null ? null : defaults.healthCheck.type;
            HealthPartial ownCheck = own == null ? null : healthCheck(own, inheritedType, false);
            Section passive = s.section("passive_check", PASSIVE_KEYS);
            Integer errorLimit = passive == null ? null : passive.integer("error_limit", 0, Integer.MAX_VALUE);
            Duration slowStart = s.duration("slow_start", false);
            String sendProxy = s.choice("send_proxy", SEND_PROXY);
            if (sendProxy != null && !sendProxy.equals("none")) {
                problem(s.scalar("send_proxy"), s.path("send_proxy"), "send_proxy " + sendProxy
                        + " is not supported yet by this version of Tandem (use none)");
            }
            Map<String, Duration> timeouts = timeouts(s);
            Integer retries = s.integer("retries", 0, Integer.MAX_VALUE);
            List<ServerConfig> servers = servers(s);

            BackendConfig config = null;
            if (problems.size() == before && item.name != null) {
                HealthPartial merged = defaults.healthCheck == null ? ownCheck
                        : ownCheck == null ? defaults.healthCheck : defaults.healthCheck.overlay(ownCheck);
                YamlNode checkAt = own != null ? own.node : s.node;
                String checkPath = own != null ? own.path : s.path;
                HealthCheckConfig check = merged == null ? null
                        : build(checkAt, checkPath, () -> buildHealthCheck(merged));
                int retriesValue = retries != null ? retries : defaults.retries != null ? defaults.retries : 3;
                if (problems.size() == before) {
                    config = build(s.node, s.path, () -> new BackendConfig(item.name, mode == null ? Mode.HTTP : mode,
                            balance == null ? Balance.ROUNDROBIN : balance, servers,
                            mergeTimeouts(defaults.timeouts, timeouts), retriesValue, check,
                            errorLimit == null ? PassiveCheckConfig.OFF : new PassiveCheckConfig(errorLimit),
                            slowStart));
                }
            }
            boolean modeBad = mode == null && s.value("mode") != null;
            out.add(new BackendItem(item.rawName, modeBad ? null : mode == null ? Mode.HTTP : mode, config));
        }
        return out;
    }

    private List<ServerConfig> servers(Section backend) {
        List<ServerConfig> out = new ArrayList<>();
        NamedList list = backend.namedList("servers", "server");
        for (NamedItem item : list.items) {
            int before = problems.size();
            Section s = section(item.node, item.path, SERVER_KEYS);
            HostPort address = s.hostPort("address", false);
            s.required("address");
            Integer weight = s.integer("weight", 0, ServerConfig.MAX_WEIGHT);
            Boolean backup = s.bool("backup");
            Integer maxConnections = s.integer("max_connections", 0, Integer.MAX_VALUE);
            if (problems.size() == before && item.name != null) {
                ServerConfig server = build(s.node, s.path, () -> new ServerConfig(item.name, address,
                        weight == null ? 1 : weight, backup != null && backup,
                        maxConnections == null ? 0 : maxConnections));
                if (server != null) {
                    out.add(server);
                }
            }
        }
        return out;
    }

    private Mode mode(Section s) {
        return enumChoice(s, "mode", MODES, Mode.class);
    }

    // ---------------------------------------------------------------------------------------------
    // Frontends

    private List<FrontendConfig> frontends(Section top, Defaults defaults, List<BackendItem> backends,
                                           Map<String, AccessLogSettings> accessLogs) {
        Map<String, BackendItem> backendsByName = new HashMap<>();
        for (BackendItem b : backends) {
            if (b.name != null) {
                backendsByName.putIfAbsent(b.name, b);
            }
        }
        List<FrontendConfig> out = new ArrayList<>();
        NamedList list = top.namedList("frontends", "frontend");
        for (NamedItem item : list.items) {
            int before = problems.size();
            Section s = section(item.node, item.path, FRONTEND_KEYS);
            Mode mode = mode(s);
            boolean modeKnown = mode != null || s.value("mode") == null;
            Mode effectiveMode = mode == null ? Mode.HTTP : mode;
            List<HostPort> binds = binds(s);
            Integer maxConnections = s.integer("max_connections", 0, Integer.MAX_VALUE);
            String defaultBackend = s.string("default_backend");
            if (s.required("default_backend") && defaultBackend != null) {
                reference(s.scalar("default_backend"), s.path("default_backend"), defaultBackend, item,
                        modeKnown ? effectiveMode : null, backendsByName);
            }
            List<RouteConfig> routes = routes(s, item, modeKnown ? effectiveMode : null, backendsByName);
            Map<String, Duration> timeouts = timeouts(s);
            AccessLogSettings accessLog = accessLog(s);
            if (s.has("tls")) {
                problem(s.key("tls"), s.path("tls"), "tls is not supported yet by this version of Tandem");
            }
            Boolean acceptProxy = s.bool("accept_proxy");
            if (acceptProxy != null && acceptProxy) {
                problem(s.scalar("accept_proxy"), s.path("accept_proxy"),
                        "accept_proxy is not supported yet by this version of Tandem");
            }
            for (String key : List.of("retries", "health_check")) {
                if (s.has(key)) {
                    problem(s.key(key), s.path, "'" + key + "' is a backend setting: set it on the backends or in "
                            + "defaults");
                }
            }
            if (problems.size() == before && item.name != null) {
                FrontendConfig f = build(s.node, s.path, () -> new FrontendConfig(item.name, effectiveMode, binds,
                        maxConnections == null ? 0 : maxConnections, defaultBackend, routes,
                        mergeTimeouts(defaults.timeouts, timeouts)));
                if (f != null) {
                    out.add(f);
                    accessLogs.put(item.name, accessLog == null ? AccessLogSettings.DEFAULT : accessLog);
                }
            }
        }
        return out;
    }

    private List<HostPort> binds(Section s) {
        List<HostPort> out = new ArrayList<>();
        YamlNode n = s.value("bind");
        if (n == null) {
            s.missing("bind");
            return out;
        }
        if (n instanceof YamlNode.Scalar) {
            YamlNode.Scalar sc = scalar(n, s.path("bind"));
            HostPort hp = sc == null ? null : hostPort(sc, s.path("bind"), true);
            if (hp != null) {
                out.add(hp);
            }
            return out;
        }
        if (!(n instanceof YamlNode.Sequence seq)) {
            problem(n, s.path("bind"), "expected host:port or a list of them, not " + n.kind());
            return out;
        }
        if (seq.items().isEmpty()) {
            problem(n, s.path("bind"), "needs at least one host:port");
        }
        for (int i = 0; i < seq.items().size(); i++) {
            String path = s.path("bind") + "[" + i + "]";
            YamlNode.Scalar sc = scalar(seq.items().get(i), path);
            HostPort hp = sc == null ? null : hostPort(sc, path, true);
            if (hp != null) {
                out.add(hp);
            }
        }
        return out;
    }

    private List<RouteConfig> routes(Section frontend, NamedItem item, Mode mode,
                                     Map<String, BackendItem> backends) {
        List<RouteConfig> out = new ArrayList<>();
        List<YamlNode> items = frontend.list("routes");
        if (items == null) {
            return out;
        }
        if (mode == Mode.TCP && !items.isEmpty()) {
            problem(frontend.key("routes"), frontend.path("routes"),
                    "routes need mode http; this frontend is in tcp mode");
        }
        for (int i = 0; i < items.size(); i++) {
            String path = frontend.path("routes") + "[" + i + "]";
            int before = problems.size();
            Section s = section(items.get(i), path, ROUTE_KEYS);
            if (s == null) {
                continue;
            }
            String host = s.string("host");
            String pathPrefix = s.string("path_prefix");
            String backend = s.string("backend");
            if (pathPrefix != null && !pathPrefix.startsWith("/")) {
                problem(s.scalar("path_prefix"), s.path("path_prefix"), "'" + pathPrefix + "' must start with /");
            }
            if (!s.has("host") && !s.has("path_prefix")) {
                problem(s.node, s.path, "a route needs host or path_prefix (or both)");
            }
            if (s.required("backend") && backend != null) {
                reference(s.scalar("backend"), s.path("backend"), backend, item, mode == Mode.TCP ? null : mode,
                        backends);
            }
            if (problems.size() == before) {
                RouteConfig r = build(s.node, s.path, () -> new RouteConfig(host, pathPrefix, backend));
                if (r != null) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    /** Checks that {@code backend} is defined and, when {@code mode} is known, in that mode. */
    private void reference(YamlNode.Scalar at, String path, String backend, NamedItem frontend, Mode mode,
                           Map<String, BackendItem> backends) {
        BackendItem b = backends.get(backend);
        if (b == null) {
            problem(at, path, "backend '" + backend + "' is not defined" + suggestion(backend, backends.keySet()));
        } else if (mode != null && b.mode != null && b.mode != mode) {
            problem(at, path, "backend '" + backend + "' is in " + b.mode.configName() + " mode but "
                    + (frontend.name == null ? "this frontend" : "frontend '" + frontend.name + "'")
                    + " is in " + mode.configName() + " mode");
        }
    }

    private AccessLogSettings accessLog(Section frontend) {
        Section s = frontend.section("access_log", ACCESS_LOG_KEYS);
        if (s == null) {
            return null;
        }
        String target = s.string("target");
        if (target != null && target.isBlank()) {
            problem(s.scalar("target"), s.path("target"), "must be stdout, off or a file path, not empty");
            return null;
        }
        AccessLogSettings.Format format = enumChoice(s, "format", LOG_FORMATS, AccessLogSettings.Format.class);
        return new AccessLogSettings(target == null ? AccessLogSettings.STDOUT : target,
                format == null ? AccessLogSettings.Format.TEXT : format);
    }

    // ---------------------------------------------------------------------------------------------
    // Cluster

    /**
     * The {@code cluster} section for node {@code node}, or null when absent or wrong (reported). A
     * bad {@code node} key is reported on its own; the default name then stands in, so that it does
     * not add a problem here.
     */
    private ClusterConfig cluster(Section top, String node) {
        if (!top.has("cluster")) {
            return null;
        }
        Section s = top.section("cluster", CLUSTER_KEYS);
        if (s == null) {
            // "cluster:" with nothing after it is still a cluster section, and an incomplete one.
            if (top.value("cluster") == null) {
                problem(top.key("cluster"), "cluster", "is empty: set at least bind, peers and secret, "
                        + "or remove it to run solo");
            }
            return null;
        }
        int before = problems.size();
        String name = s.name("name", "cluster");
        HostPort bind = s.hostPort("bind", false);
        s.required("bind");
        List<HostPort> peers = new ArrayList<>();
        List<YamlNode> peerNodes = s.list("peers");
        if (peerNodes == null) {
            if (s.value("peers") == null) {
                s.missing("peers");
            }
        } else {
            if (peerNodes.isEmpty()) {
                problem(s.value("peers"), s.path("peers"), "needs at least one host:port");
            }
            for (int i = 0; i < peerNodes.size(); i++) {
                String path = s.path("peers") + "[" + i + "]";
                YamlNode.Scalar sc = scalar(peerNodes.get(i), path);
                HostPort hp = sc == null ? null : hostPort(sc, path, false);
                if (hp != null) {
                    peers.add(hp);
                }
            }
        }
        Integer priority = s.integer("priority", 0, MAX_PRIORITY);
        Boolean preempt = s.bool("preempt");
        String secret = s.string("secret");
        if (s.required("secret", "it authenticates and encrypts cluster traffic") && secret != null
                && secret.isEmpty()) {
            problem(s.scalar("secret"), s.path("secret"),
                    "is empty: cluster.secret is required (it authenticates and encrypts cluster traffic)");
        }
        HostPort tiebreaker = s.hostPort("tiebreaker", false);
        String timings = s.string("timings");
        if (timings != null && !TIMINGS.contains(timings)) {
            problem(s.scalar("timings"), s.path("timings"), "'" + timings + "' is not one of default, fast");
        }
        List<VipConfig> vips = vips(s);
        if (problems.size() > before) {
            return null;
        }
        // Unset keys keep the builder's defaults: name tandem, priority 100, no preempt, default timings.
        return build(s.node, s.path, () -> {
            ClusterConfig.Builder b = ClusterConfig.builder(node, bind, secret).peers(peers)
                    .preempt(preempt != null && preempt).tiebreaker(tiebreaker);
            if (name != null) {
                b.name(name);
            }
            if (priority != null) {
                b.priority(priority);
            }
            if (timings != null) {
                b.profile(ClusterStack.Profile.named(timings));
            }
            vips.forEach(b::vip);
            return b.build();
        });
    }

    private List<VipConfig> vips(Section cluster) {
        List<VipConfig> out = new ArrayList<>();
        List<YamlNode> items = cluster.list("vips");
        if (items == null) {
            return out;
        }
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            String path = cluster.path("vips") + "[" + i + "]";
            int before = problems.size();
            Section s = section(items.get(i), path, VIP_KEYS);
            if (s == null) {
                continue;
            }
            String address = s.string("address");
            if (s.required("address") && address != null) {
                String error = cidrError(address);
                if (error != null) {
                    problem(s.scalar("address"), s.path("address"), error);
                } else {
                    Integer first = seen.putIfAbsent(address.substring(0, address.indexOf('/')),
                            s.scalar("address").line());
                    if (first != null) {
                        problem(s.scalar("address"), s.path("address"), "VIP " + address
                                + " is already listed at line " + first);
                    }
                }
            }
            String iface = s.string("interface");
            if (iface != null && !IFACE.matcher(iface).matches()) {
                problem(s.scalar("interface"), s.path("interface"), "'" + iface + "' is not a network interface name");
            }
            VipConfig.Driver driver = enumChoice(s, "driver", DRIVERS, VipConfig.Driver.class);
            VipConfig.Driver effective = driver == null ? VipConfig.Driver.LINUX : driver;
            boolean driverBad = driver == null && s.value("driver") != null;
            if (effective == VipConfig.Driver.LINUX && !driverBad) {
                s.required("interface", "the linux driver adds the VIP to it");
            }
            String onActive = s.string("on_active");
            String onStandby = s.string("on_standby");
            if (!driverBad && effective != VipConfig.Driver.SCRIPT) {
                for (String key : List.of("on_active", "on_standby")) {
                    if (s.has(key)) {
                        problem(s.key(key), s.path(key), "is only for driver: script (this VIP's driver is "
                                + effective.configName() + ")");
                    }
                }
            }
            if (effective == VipConfig.Driver.SCRIPT && isBlank(onActive) && isBlank(onStandby)) {
                problem(s.key("driver"), s.path("driver"), "the script driver needs on_active and/or on_standby "
                        + "(commands run with /bin/sh -c)");
            }
            if (problems.size() == before) {
                // cidrError() accepted the address: an IP literal, a slash and a prefix length.
                int slash = address.indexOf('/');
                VipConfig v = build(s.node, s.path, () -> new VipConfig(address.substring(0, slash),
                        Integer.parseInt(address.substring(slash + 1)), iface, effective, onActive, onStandby));
                if (v != null) {
                    out.add(v);
                }
            }
        }
        return out;
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    /** Null when {@code text} is an IPv4 or IPv6 literal with a prefix length; otherwise why not. */
    static String cidrError(String text) {
        int slash = text.indexOf('/');
        String why = "'" + text + "' is not an IPv4 or IPv6 address with a prefix length, such as 203.0.113.10/24";
        if (slash < 0) {
            return "'" + text + "' needs a prefix length, such as 203.0.113.10/24";
        }
        String ip = text.substring(0, slash);
        String prefix = text.substring(slash + 1);
        int max;
        if (IPV4.matcher(ip).matches()) {
            for (String octet : ip.split("\\.")) {
                if (Integer.parseInt(octet) > 255) {
                    return why;
                }
            }
            max = 32;
        } else if (ip.indexOf(':') >= 0 && ip.matches("[0-9A-Fa-f:.]+")) {
            try {
                // Brackets make the JDK parse an IPv6 literal or fail: it never falls back to DNS.
                InetAddress.getByName("[" + ip + "]");
            } catch (UnknownHostException e) {
                return why;
            }
            max = 128;
        } else {
            return why;
        }
        if (!prefix.matches("\\d{1,3}") || Integer.parseInt(prefix) > max) {
            return "'" + text + "' has a bad prefix length: use 0 to " + max;
        }
        return null;
    }

    // ---------------------------------------------------------------------------------------------
    // Values

    private static boolean isLoopback(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (IPV4.matcher(host).matches()) {
            return host.startsWith("127.");
        }
        if (host.indexOf(':') >= 0) {
            try {
                return InetAddress.getByName("[" + host + "]").isLoopbackAddress();
            } catch (UnknownHostException e) {
                return false;
            }
        }
        return false;
    }

    /** {@code node} as a scalar, or null after reporting that it is another kind of node. */
    private YamlNode.Scalar scalar(YamlNode node, String path) {
        if (node instanceof YamlNode.Scalar s) {
            if (s.alias()) {
                problem(s, path, "YAML aliases (*" + s.text() + ") are not supported; write the value out");
                return null;
            }
            return s;
        }
        problem(node, path, "expected a value, not " + node.kind());
        return null;
    }

    /** The text of {@code s} with its variables replaced, or null after reporting a problem. */
    private String text(YamlNode.Scalar s, String path) {
        try {
            return EnvSubstitution.apply(s.text(), env);
        } catch (IllegalArgumentException e) {
            problem(s, path, e.getMessage());
            return null;
        }
    }

    private HostPort hostPort(YamlNode.Scalar s, String path, boolean portZeroAllowed) {
        String text = s.isNull() ? null : text(s, path);
        if (text == null) {
            if (s.isNull()) {
                problem(s, path, "expected host:port, found nothing");
            }
            return null;
        }
        try {
            HostPort hp = HostPort.parse(text);
            if (hp.port() == 0 && !portZeroAllowed) {
                problem(s, path, "'" + text + "' needs a port other than 0");
                return null;
            }
            return hp;
        } catch (IllegalArgumentException e) {
            problem(s, path, e.getMessage());
            return null;
        }
    }

    private <E extends Enum<E>> E enumChoice(Section s, String key, List<String> allowed, Class<E> type) {
        String value = s.choice(key, allowed);
        return value == null ? null : Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
    }

    private static String suggestion(String given, Iterable<String> known) {
        String best = closest(given, known);
        return best == null ? "" : "; did you mean '" + best + "'?";
    }

    /** The known word nearest to {@code given}, when at most two edits away; otherwise null. */
    static String closest(String given, Iterable<String> known) {
        String best = null;
        int bestDistance = 3;
        for (String k : known) {
            int d = distance(given.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Edit distance counting insertions, deletions, substitutions and swaps of neighbours as one. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    private void problem(YamlNode at, String path, String message) {
        problems.add(new ConfigProblem(file, at.line(), at.column(), path, message));
    }

    /**
     * Runs a record constructor; its IllegalArgumentException (or NullPointerException, which
     * would be a gap in the checks above) becomes a problem at {@code at} instead of a crash.
     */
    private <T> T build(YamlNode at, String path, Supplier<T> constructor) {
        try {
            return constructor.get();
        } catch (IllegalArgumentException | NullPointerException e) {
            problem(at, path, e.getMessage() == null ? "invalid: " + e : e.getMessage());
            return null;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Reading mappings and lists

    /**
     * Opens {@code node} as a mapping with these keys: reports its unknown and duplicate keys at
     * once. Null when the node is not a mapping (reported). A null scalar is an empty mapping.
     */
    private Section section(YamlNode node, String path, List<String> keys) {
        if (node instanceof YamlNode.Scalar s && s.isNull()) {
            return new Section(new YamlNode.Mapping(List.of(), List.of(), s.line(), s.column()), path);
        }
        if (!(node instanceof YamlNode.Mapping m)) {
            problem(node, path, "expected a mapping (key: value), not " + node.kind());
            return null;
        }
        for (YamlNode.Entry e : m.entries()) {
            String key = e.key().text();
            if (!keys.contains(key)) {
                problem(e.key(), path, "unknown key '" + key + "'" + suggestion(key, keys));
            }
        }
        for (YamlNode.Entry e : m.duplicates()) {
            problem(e.key(), path, "duplicate key '" + e.key().text() + "' (first at line "
                    + m.entry(e.key().text()).key().line() + ")");
        }
        return new Section(m, path);
    }

    /** An item of a list of named things (frontends, backends, servers). */
    private record NamedItem(YamlNode node, String path, String name, String rawName) {
    }

    private record NamedList(List<NamedItem> items) {
    }

    /** A mapping being read, with its path; every accessor reports what is wrong and returns null. */
    private final class Section {
        final YamlNode.Mapping node;
        final String path;

        Section(YamlNode.Mapping node, String path) {
            this.node = node;
            this.path = path;
        }

        String path(String key) {
            return path.isEmpty() ? key : path + "." + key;
        }

        boolean has(String key) {
            return node.entry(key) != null;
        }

        YamlNode.Scalar key(String key) {
            YamlNode.Entry e = node.entry(key);
            return e == null ? null : e.key();
        }

        /** The value of {@code key}; null when absent or written as nothing ({@code key:} or {@code ~}). */
        YamlNode value(String key) {
            YamlNode.Entry e = node.entry(key);
            if (e == null || e.value() instanceof YamlNode.Scalar s && s.isNull()) {
                return null;
            }
            return e.value();
        }

        /** Whether {@code key} has a value; reports it missing when not. */
        boolean required(String key) {
            return required(key, null);
        }

        boolean required(String key, String why) {
            if (value(key) != null) {
                return true;
            }
            missing(key, why);
            return false;
        }

        void missing(String key) {
            missing(key, null);
        }

        void missing(String key, String why) {
            YamlNode.Entry e = node.entry(key);
            String because = why == null ? "" : " (" + why + ")";
            if (e != null) {
                problem(e.value(), path(key), "needs a value" + because);
            } else {
                problem(node, path, "'" + key + "' is required" + because);
            }
        }

        /** The scalar value of {@code key}, or null (absent, nothing, or another kind: reported). */
        YamlNode.Scalar scalar(String key) {
            YamlNode v = value(key);
            return v == null ? null : ConfigInterpreter.this.scalar(v, path(key));
        }

        String string(String key) {
            YamlNode.Scalar s = scalar(key);
            return s == null ? null : text(s, path(key));
        }

        <T> T parsed(String key, Function<String, T> parser) {
            YamlNode.Scalar s = scalar(key);
            String text = s == null ? null : text(s, path(key));
            if (text == null) {
                return null;
            }
            try {
                return parser.apply(text.trim());
            } catch (IllegalArgumentException e) {
                problem(s, path(key), e.getMessage());
                return null;
            }
        }

        Integer integer(String key, int min, int max) {
            return parsed(key, text -> {
                long n;
                try {
                    n = Long.parseLong(text);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + text + "' is not a whole number");
                }
                if (n < min || n > max) {
                    throw new IllegalArgumentException(text + " is out of range: "
                            + (max == Integer.MAX_VALUE ? "use " + min + " or more" : "use " + min + " to " + max));
                }
                return (int) n;
            });
        }

        Boolean bool(String key) {
            return parsed(key, text -> switch (text) {
                case "true" -> Boolean.TRUE;
                case "false" -> Boolean.FALSE;
                default -> throw new IllegalArgumentException("'" + text + "' is not true or false");
            });
        }

        Duration duration(String key, boolean positive) {
            return parsed(key, text -> {
                Duration d = Units.parseDuration(text);
                if (positive && d.isZero()) {
                    throw new IllegalArgumentException("must be more than 0");
                }
                return d;
            });
        }

        /** One of {@code allowed}, exactly as written there. */
        String choice(String key, List<String> allowed) {
            return parsed(key, text -> {
                if (!allowed.contains(text)) {
                    throw new IllegalArgumentException("'" + text + "' is not one of " + String.join(", ", allowed)
                            + suggestion(text, allowed));
                }
                return text;
            });
        }

        HostPort hostPort(String key, boolean portZeroAllowed) {
            YamlNode.Scalar s = scalar(key);
            return s == null ? null : ConfigInterpreter.this.hostPort(s, path(key), portZeroAllowed);
        }

        /** A name ({@code [A-Za-z0-9_.-]+}); {@code what} is "node", "cluster"... for the message. */
        String name(String key, String what) {
            return parsed(key, text -> {
                if (!NAME.matcher(text).matches()) {
                    throw new IllegalArgumentException(what + " name '" + text + "' must match [A-Za-z0-9_.-]+");
                }
                return text;
            });
        }

        Section section(String key, List<String> keys) {
            YamlNode v = value(key);
            return v == null ? null : ConfigInterpreter.this.section(v, path(key), keys);
        }

        /** The items of the list under {@code key}; null when absent or not a list (reported). */
        List<YamlNode> list(String key) {
            YamlNode v = value(key);
            if (v == null) {
                return null;
            }
            if (v instanceof YamlNode.Sequence seq) {
                return seq.items();
            }
            problem(v, path(key), "expected a list, not " + v.kind());
            return null;
        }

        /**
         * The items of a list of named mappings, each with its path: {@code backends.web} when it
         * has a valid name not used before, {@code backends[1]} otherwise. A missing, bad or
         * duplicate name is reported here; items that are not mappings are reported and left out.
         */
        NamedList namedList(String key, String what) {
            List<NamedItem> out = new ArrayList<>();
            List<YamlNode> items = list(key);
            if (items == null) {
                return new NamedList(out);
            }
            Map<String, Integer> seen = new HashMap<>();
            Set<String> rawSeen = new HashSet<>();
            for (int i = 0; i < items.size(); i++) {
                String indexPath = path(key) + "[" + i + "]";
                YamlNode item = items.get(i);
                if (!(item instanceof YamlNode.Mapping m)) {
                    problem(item, indexPath, "expected a mapping with a name (a " + what + "), not " + item.kind());
                    continue;
                }
                Section s = new Section(m, indexPath);
                String name = null;
                String rawName = null;
                if (s.value("name") == null) {
                    s.missing("name");
                } else {
                    YamlNode.Scalar sc = s.scalar("name");
                    rawName = sc == null ? null : text(sc, s.path("name"));
                    if (rawName != null && !NAME.matcher(rawName).matches()) {
                        problem(sc, s.path("name"), what + " name '" + rawName + "' must match [A-Za-z0-9_.-]+");
                    } else if (rawName != null) {
                        Integer first = seen.putIfAbsent(rawName, sc.line());
                        if (first != null) {
                            problem(sc, s.path("name"), what + " '" + rawName + "' is already defined at line "
                                    + first);
                        } else {
                            name = rawName;
                        }
                    }
                    if (rawName != null && !rawSeen.add(rawName)) {
                        rawName = null;     // a duplicate: references go to the first one
                    }
                }
                out.add(new NamedItem(m, name != null ? path(key) + "." + name : indexPath, name, rawName));
            }
            return new NamedList(out);
        }
    }
}
