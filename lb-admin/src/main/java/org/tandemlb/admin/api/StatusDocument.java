package org.tandemlb.admin.api;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.tandemlb.admin.config.Units;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.CheckResult;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.HostPort;
import org.tandemlb.core.config.HttpRules;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.PersistenceConfig;
import org.tandemlb.core.frontend.Frontend;
import org.tandemlb.core.tls.ServerTls;

/**
 * The body of {@code GET /api/v1/status} (docs/admin-api.md), as records that Jackson writes with
 * snake_case names in declaration order. Built from the live objects on every request: a few
 * volatile reads per server.
 *
 * @param node      this node's name
 * @param cluster   the cluster as this node sees it
 * @param frontends the frontends, in configuration order
 * @param backends  the backends, in configuration order
 */
public record StatusDocument(
        String node, ClusterJson cluster, List<FrontendJson> frontends, List<BackendJson> backends) {

    /** The status of {@code lb}, seen from {@code node}. */
    public static StatusDocument of(String node, ClusterView cluster, LoadBalancer lb) {
        return new StatusDocument(
                node,
                ClusterJson.of(cluster),
                lb.frontends().stream().map(FrontendJson::of).toList(),
                lb.backends().stream().map(BackendJson::of).toList());
    }

    /**
     * {@code cluster}: {@code role} (active when it holds at least one VIP group, standby, joining,
     * solo), {@code members}, {@code vips}, {@code groups}.
     */
    public record ClusterJson(String role, List<String> members, List<VipJson> vips, List<GroupJson> groups) {
        static ClusterJson of(ClusterView view) {
            return new ClusterJson(
                    view.role().apiName(),
                    List.copyOf(view.members()),
                    view.vips().stream()
                            .map(v -> new VipJson(v.address(), v.owner(), v.group(), v.announced()))
                            .toList(),
                    view.groups().stream()
                            .map(g -> new GroupJson(g.name(), g.owner(), g.candidates()))
                            .toList());
        }
    }

    /**
     * A VIP, the member that holds it (null: nobody), its group (null for a {@code bgp} VIP), and
     * {@code announced}: for a {@code bgp} VIP, whether this node announces it (null for the
     * elected VIPs).
     */
    public record VipJson(String address, String owner, String group, Boolean announced) {}

    /** A VIP group, the member that holds it (null: nobody), and the members able to take it. */
    public record GroupJson(String name, String owner, List<String> candidates) {}

    /**
     * A frontend.
     *
     * @param binds the addresses it actually listens on (the port the system chose for port 0)
     * @param tls   its TLS, or null for a cleartext frontend
     * @param rules its routes, header rules, request id and error pages, or null without any
     */
    public record FrontendJson(
            String name,
            String mode,
            List<String> binds,
            int currentConnections,
            long connectionsTotal,
            TlsJson tls,
            RulesJson rules) {
        static FrontendJson of(Frontend f) {
            List<InetSocketAddress> bound = f.boundAddresses();
            List<String> binds = bound.isEmpty()
                    ? f.config().binds().stream().map(HostPort::toString).toList()
                    : bound.stream()
                            .map(a -> new HostPort(a.getHostString(), a.getPort()).toString())
                            .toList();
            ServerTls tls = f.tls();
            return new FrontendJson(
                    f.name(),
                    f.config().mode().configName(),
                    binds,
                    f.currentConnections(),
                    f.connectionsTotal(),
                    tls == null ? null : TlsJson.of(tls),
                    RulesJson.of(f.config().routes().size(), f.config().rules()));
        }
    }

    /**
     * A frontend's TLS.
     *
     * @param provider     {@code openssl} or {@code jdk}
     * @param certificates its certificates, the default one first
     */
    public record TlsJson(String provider, List<CertificateJson> certificates) {
        static TlsJson of(ServerTls tls) {
            return new TlsJson(
                    tls.provider().configName(),
                    tls.certificates().stream()
                            .map(c -> new CertificateJson(
                                    c.source().cert().toString(),
                                    c.names(),
                                    c.notAfter().toString()))
                            .toList());
        }
    }

    /**
     * A certificate of a frontend.
     *
     * @param file     the certificate file
     * @param names    the names it is for (SNI), as in the certificate
     * @param notAfter when it expires, ISO-8601 in UTC
     */
    public record CertificateJson(String file, List<String> names, String notAfter) {}

    /**
     * A frontend's or backend's traffic rules, in counts, with the error pages' files.
     *
     * @param routes          a frontend's routes; null on a backend
     * @param requestId       the request id header, or null
     * @param requestHeaders  how many request header rules
     * @param responseHeaders how many response header rules
     * @param errorPages      the page file of each status
     */
    public record RulesJson(
            Integer routes, String requestId, int requestHeaders, int responseHeaders, Map<String, String> errorPages) {
        /** Null for nothing to show. */
        static RulesJson of(Integer routes, HttpRules r) {
            if (r.isEmpty() && (routes == null || routes == 0)) {
                return null;
            }
            Map<String, String> pages = new TreeMap<>();
            r.errorPages().forEach((status, page) -> pages.put(status.toString(), page.source()));
            return new RulesJson(
                    routes,
                    r.requestId(),
                    r.requestHeaders().size(),
                    r.responseHeaders().size(),
                    pages);
        }
    }

    /**
     * A backend and its servers, in configuration order, and its rules (null without any).
     *
     * @param protocol    what it speaks to its servers in http mode, {@code http1} or {@code h2};
     *                    null in tcp mode
     * @param persistence its cookie persistence as the config file writes it ({@code cookie SRV
     *                    insert, max_idle 1h}), or null without
     */
    public record BackendJson(
            String name,
            String mode,
            String balance,
            String protocol,
            String persistence,
            List<ServerJson> servers,
            RulesJson rules) {
        static BackendJson of(Backend b) {
            return new BackendJson(
                    b.name(),
                    b.config().mode().configName(),
                    // "hash header:X-User": the key too, as the config file writes it.
                    b.config().hash() != null
                            ? "hash " + b.config().hash().key()
                            : b.config().balance().configName(),
                    b.config().mode() == Mode.HTTP ? b.config().protocol().configName() : null,
                    persistence(b.config().persistence()),
                    b.servers().stream().map(ServerJson::of).toList(),
                    RulesJson.of(null, b.config().rules()));
        }

        /** As the config file writes it, or null without. */
        static String persistence(PersistenceConfig p) {
            if (p == null) {
                return null;
            }
            String text = "cookie " + p.cookie() + " " + p.mode().name().toLowerCase(Locale.ROOT);
            return p.maxIdle() == null ? text : text + ", max_idle " + Units.formatDuration(p.maxIdle());
        }
    }

    /**
     * A server, also the answer of {@code POST /api/v1/backends/{backend}/servers/{server}}.
     *
     * @param address           as configured ({@code host:port})
     * @param state             the admin state: {@code ready}, {@code drain} or {@code maint}
     * @param health            {@code up} or {@code down}
     * @param healthSince       when it last went up or down (when it was created, or a reload
     *                          changed its line, if it never did), ISO-8601 in UTC
     * @param weight            the effective weight, the one balancing uses (and
     *                          {@code tandem_server_weight}); below the target during a slow start
     * @param targetWeight      the weight set by the config file or the API
     * @param backup            whether it only takes traffic while every other server is down
     * @param activeConnections requests (http) or connections (tcp) on it now
     * @param requestsTotal     requests (http) or connections (tcp) sent to it
     * @param lastCheck         the last active health check, or null before the first one (or
     *                          without checks)
     */
    public record ServerJson(
            String name,
            String address,
            String state,
            String health,
            String healthSince,
            int weight,
            int targetWeight,
            boolean backup,
            int activeConnections,
            long requestsTotal,
            CheckJson lastCheck) {
        /** The JSON of {@code s}, read now. */
        public static ServerJson of(Server s) {
            CheckResult c = s.lastCheck();
            return new ServerJson(
                    s.name(),
                    s.config().address().toString(),
                    s.adminState().apiName(),
                    s.isUp() ? "up" : "down",
                    s.healthSince().toString(),
                    s.weight(),
                    s.targetWeight(),
                    s.backup(),
                    s.activeConnections(),
                    s.requestsTotal(),
                    c == null ? null : CheckJson.of(c));
        }
    }

    /**
     * The last health check of a server.
     *
     * @param status     {@code passed} or {@code failed}
     * @param type       {@code tcp}, {@code http} or {@code mysql}
     * @param message    what was seen: {@code 200}, {@code connection refused}, ...
     * @param durationMs how long it took, in milliseconds
     * @param time       when it ended, ISO-8601 in UTC
     */
    public record CheckJson(String status, String type, String message, long durationMs, String time) {
        static CheckJson of(CheckResult c) {
            return new CheckJson(
                    c.status().apiName(),
                    c.type(),
                    c.message(),
                    c.duration().toMillis(),
                    c.time().toString());
        }
    }
}
