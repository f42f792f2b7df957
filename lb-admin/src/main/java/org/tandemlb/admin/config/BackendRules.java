package org.tandemlb.admin.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tandemlb.admin.config.DefaultsRules.Defaults;
import org.tandemlb.admin.config.HealthCheckRules.HealthPartial;
import org.tandemlb.admin.config.Section.NamedItem;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Balance;
import org.tandemlb.core.config.HashPolicy;
import org.tandemlb.core.config.HealthCheckConfig;
import org.tandemlb.core.config.HostPort;
import org.tandemlb.core.config.HttpRules;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.PassiveCheckConfig;
import org.tandemlb.core.config.PersistenceConfig;
import org.tandemlb.core.config.SendProxy;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.config.ServerProtocol;
import org.tandemlb.core.config.UpstreamTlsConfig;
import org.tandemlb.core.tls.UpstreamTls;

/**
 * The rules of the {@code backends} section: each backend with its servers, its health check
 * merged over the defaults', its passive check, its timeouts and its TLS to the servers.
 */
final class BackendRules {

    private static final List<String> BACKEND_KEYS = List.of(
            "name",
            "mode",
            "balance",
            "protocol",
            "persistence",
            "health_check",
            "passive_check",
            "slow_start",
            "send_proxy",
            "timeouts",
            "retries",
            "servers",
            "tls",
            "request_headers",
            "response_headers",
            "request_id",
            "error_pages");
    private static final List<String> PASSIVE_KEYS = List.of("error_limit");
    private static final List<String> SERVER_KEYS = List.of("name", "address", "weight", "backup", "max_connections");
    private static final List<String> BALANCES = List.of("roundrobin", "leastconn", "random", "source");
    private static final List<String> HASH_KEYS = List.of("hash", "bound");
    private static final List<String> PERSISTENCE_KEYS =
            List.of("cookie", "mode", "nocache", "httponly", "secure", "max_idle");
    private static final List<String> SEND_PROXY = List.of("none", "v1", "v2");
    private static final List<String> PROTOCOLS = List.of("http1", "h2");
    private static final List<String> TLS_KEYS = List.of("verify", "ca", "sni", "alpn");

    private final Problems problems;
    private final HealthCheckRules healthChecks;

    BackendRules(Problems problems, HealthCheckRules healthChecks) {
        this.problems = problems;
        this.healthChecks = healthChecks;
    }

    /**
     * A backend as far as it could be read: its name and mode serve the frontends' references
     * even when the backend itself has a problem.
     *
     * @param name   the name as written, or null when missing or an earlier backend's
     * @param mode   null when written wrong (reported)
     * @param config null when the backend has a problem
     */
    record BackendItem(String name, Mode mode, BackendConfig config) {}

    List<BackendItem> read(Section top, Defaults defaults) {
        List<BackendItem> out = new ArrayList<>();
        for (NamedItem item : top.namedList("backends", "backend")) {
            int before = problems.count();
            Section s = top.open(item.node(), item.path(), BACKEND_KEYS);
            Mode mode = DefaultsRules.mode(s);
            // A plain name, or a mapping for hash balancing.
            Section hashed = s.value("balance") instanceof YamlNode.Mapping ? s.section("balance", HASH_KEYS) : null;
            HashPolicy hash = hashed == null ? null : hash(hashed);
            Balance balance = hashed != null ? Balance.HASH : s.enumChoice("balance", BALANCES, Balance.class);
            Section own = s.section("health_check", HealthCheckRules.HEALTH_KEYS);
            String inheritedType = defaults.healthCheck() == null
                    ? null
                    : defaults.healthCheck().type();
            HealthPartial ownCheck = own == null ? null : healthChecks.read(own, inheritedType, false);
            Section passive = s.section("passive_check", PASSIVE_KEYS);
            Integer errorLimit = passive == null ? null : passive.integer("error_limit", 0, Integer.MAX_VALUE);
            Duration slowStart = s.duration("slow_start", false);
            SendProxy sendProxy = s.enumChoice("send_proxy", SEND_PROXY, SendProxy.class);
            ServerProtocol protocol = s.enumChoice("protocol", PROTOCOLS, ServerProtocol.class);
            Map<String, Duration> timeouts = DefaultsRules.timeouts(s);
            Integer retries = s.integer("retries", 0, Integer.MAX_VALUE);
            List<ServerConfig> servers = servers(s);
            UpstreamTlsConfig tls = tls(s);
            PersistenceConfig persistence = persistence(s);
            HttpRules rules = new HeaderRules(problems)
                    .read(s, mode == null && s.value("mode") == null ? Mode.HTTP : mode, false);

            BackendConfig config = null;
            if (problems.count() == before && item.name() != null) {
                HealthPartial merged = defaults.healthCheck() == null
                        ? ownCheck
                        : ownCheck == null
                                ? defaults.healthCheck()
                                : defaults.healthCheck().overlay(ownCheck);
                YamlNode checkAt = own != null ? own.node : s.node;
                String checkPath = own != null ? own.path : s.path;
                HealthCheckConfig check = merged == null
                        ? null
                        : problems.build(checkAt, checkPath, () -> HealthCheckRules.build(merged, sendProxy));
                int retriesValue = retries != null ? retries : defaults.retries() != null ? defaults.retries() : 3;
                if (problems.count() == before) {
                    config = problems.build(
                            s.node,
                            s.path,
                            () -> new BackendConfig(
                                    item.name(),
                                    mode == null ? Mode.HTTP : mode,
                                    balance == null ? Balance.ROUNDROBIN : balance,
                                    hash,
                                    servers,
                                    DefaultsRules.mergeTimeouts(defaults.timeouts(), timeouts),
                                    retriesValue,
                                    check,
                                    errorLimit == null ? PassiveCheckConfig.OFF : new PassiveCheckConfig(errorLimit),
                                    slowStart,
                                    sendProxy,
                                    tls,
                                    persistence,
                                    rules,
                                    protocol));
                }
            }
            boolean modeBad = mode == null && s.value("mode") != null;
            out.add(new BackendItem(item.rawName(), modeBad ? null : mode == null ? Mode.HTTP : mode, config));
        }
        return out;
    }

    /**
     * The backend's {@code tls}, or null without it (or when it has a problem, reported). The
     * {@code ca} file is read here, so that {@code tandem check} finds a missing or bad one.
     */
    private UpstreamTlsConfig tls(Section backend) {
        Section t = backend.section("tls", TLS_KEYS);
        if (t == null) {
            return null;
        }
        int before = problems.count();
        Boolean verify = t.bool("verify");
        Path ca = t.parsed("ca", Path::of);
        String sni = t.string("sni");
        List<String> alpn = t.strings("alpn");
        if (ca != null && (verify == null || verify)) {
            try {
                UpstreamTls.checkCa(ca);
            } catch (IllegalArgumentException e) {
                problems.report(t.scalar("ca"), t.path("ca"), e.getMessage());
            }
        }
        if (problems.count() != before) {
            return null;
        }
        return problems.build(t.node, t.path, () -> new UpstreamTlsConfig(verify == null || verify, ca, sni, alpn));
    }

    private List<ServerConfig> servers(Section backend) {
        List<ServerConfig> out = new ArrayList<>();
        for (NamedItem item : backend.namedList("servers", "server")) {
            int before = problems.count();
            Section s = backend.open(item.node(), item.path(), SERVER_KEYS);
            HostPort address = s.hostPort("address", false);
            s.required("address");
            Integer weight = s.integer("weight", 0, ServerConfig.MAX_WEIGHT);
            Boolean backup = s.bool("backup");
            Integer maxConnections = s.integer("max_connections", 0, Integer.MAX_VALUE);
            if (problems.count() == before && item.name() != null) {
                ServerConfig server = problems.build(
                        s.node,
                        s.path,
                        () -> new ServerConfig(
                                item.name(),
                                address,
                                weight == null ? 1 : weight,
                                backup != null && backup,
                                maxConnections == null ? 0 : maxConnections));
                if (server != null) {
                    out.add(server);
                }
            }
        }
        return out;
    }

    /**
     * {@code balance: { hash: KEY, bound: FACTOR }}: the key ({@code uri}, {@code header:NAME},
     * {@code query:NAME}, {@code cookie:NAME}) and the optional bounded-load factor; null when
     * it has a problem (reported).
     */
    private HashPolicy hash(Section s) {
        String key = s.string("hash");
        if (key == null) {
            s.missing(
                    "hash",
                    "balance as a mapping is hash balancing: { hash: uri | header:NAME | query:NAME | cookie:NAME }");
            return null;
        }
        Double bound = s.parsed("bound", text -> {
            double d;
            try {
                d = Double.parseDouble(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not a number (e.g. 1.25)");
            }
            if (!(d >= 1.0 && d <= 100)) {
                throw new IllegalArgumentException("must be at least 1.0 (e.g. 1.25) and at most 100");
            }
            return d;
        });
        return problems.build(s.value("hash"), s.path("hash"), () -> HashPolicy.parse(key, bound == null ? 0 : bound));
    }

    /**
     * {@code persistence: { cookie, mode, nocache, httponly, secure, max_idle }}: cookie
     * persistence; null when absent or with a problem (reported).
     */
    private PersistenceConfig persistence(Section backend) {
        Section s = backend.section("persistence", PERSISTENCE_KEYS);
        if (s == null) {
            return null;
        }
        String cookie = s.string("cookie");
        s.required("cookie");
        PersistenceConfig.Mode mode =
                s.enumChoice("mode", List.of("insert", "prefix", "rewrite"), PersistenceConfig.Mode.class);
        Boolean nocache = s.bool("nocache");
        Boolean httponly = s.bool("httponly");
        PersistenceConfig.Secure secure =
                s.enumChoice("secure", List.of("auto", "always", "never"), PersistenceConfig.Secure.class);
        Duration maxIdle = s.parsed("max_idle", text -> {
            Duration d = Units.parseLifetime(text);
            if (d.getSeconds() < 1) {
                throw new IllegalArgumentException("must be at least 1s (the cookie's date is in seconds)");
            }
            return d;
        });
        if (maxIdle != null && mode != null && mode != PersistenceConfig.Mode.INSERT) {
            problems.report(
                    s.value("max_idle"),
                    s.path("max_idle"),
                    "needs mode insert: in " + mode.name().toLowerCase(Locale.ROOT)
                            + " mode the server sets the cookie, so Tandem has no date to refresh");
            return null;
        }
        if (cookie == null) {
            return null;
        }
        return problems.build(
                s.node,
                s.path,
                () -> new PersistenceConfig(
                        cookie,
                        mode == null ? PersistenceConfig.Mode.INSERT : mode,
                        nocache == null || nocache,
                        httponly == null || httponly,
                        secure,
                        maxIdle));
    }
}
