package org.tandemlb.admin.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.admin.config.TandemConfig;
import org.tandemlb.cluster.ClusterConfig;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Cidr;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.HashPolicy;
import org.tandemlb.core.config.HealthCheckConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.PersistenceConfig;
import org.tandemlb.core.config.RouteConfig;
import org.tandemlb.core.config.SendProxy;
import org.tandemlb.core.config.ServerProtocol;

/** What {@link Importer} makes of HAProxy and keepalived lines, read back through the real config loader. */
class ImporterTest {

    private static final Map<String, String> ENV = Map.of("TANDEM_CLUSTER_SECRET", "s3cret-s3cret-s3cret");

    @TempDir
    Path dir;

    private Importer.Result importText(String haproxy, String keepalived) throws IOException {
        Path h = Files.writeString(dir.resolve("haproxy.cfg"), haproxy);
        Path k = keepalived == null ? null : Files.writeString(dir.resolve("keepalived.conf"), keepalived);
        return Importer.run(h, k);
    }

    private static TandemConfig load(Importer.Result r) throws Exception {
        return ConfigLoader.parse("tandem.yaml", r.yaml(), ENV);
    }

    private static FrontendConfig frontend(TandemConfig c, String name) {
        return c.loadBalancer().frontends().stream()
                .filter(f -> f.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    private static BackendConfig backend(TandemConfig c, String name) {
        return c.loadBalancer().backends().stream()
                .filter(b -> b.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    private static boolean noted(Importer.Result r, String prefix) {
        return r.notes().stream().anyMatch(n -> n.startsWith(prefix));
    }

    @Test
    void foobarTranslatesRoutesChecksTlsAndTheCluster() throws Exception {
        Path h = resource("haproxy.cfg");
        Path k = resource("keepalived-lb1.conf");
        Files.createDirectories(dir.resolve("certs"));
        Importer.Result r = Importer.run(h, k);
        // The certificate files do not exist here: noted, and the loader is not asked to read them.
        assertTrue(
                noted(r, h + ":33: bind 10.0.0.10:443 ssl crt certs/foobar.pem"),
                r.notes().toString());
        TandemConfig c = ConfigLoader.parse(
                "tandem.yaml",
                r.yaml()
                        .replaceAll("(?s)    tls:\n      certificates:.*?alpn: \\[h2, http/1.1\\]\n", "")
                        .replaceAll("(?s)    tls:\n      verify: true\n.*?sni: admin.foobar.internal\n", "")
                        .replace("    hsts: 180d\n", ""),
                ENV);

        FrontendConfig www = frontend(c, "www");
        assertTrue(www.redirectHttps());
        assertEquals(
                List.of(
                        new RouteConfig("api.foobar.com", null, "app"),
                        new RouteConfig(null, "/app/", "app"),
                        new RouteConfig(null, "/account/", "app"),
                        new RouteConfig("static.foobar.com", null, "static"),
                        new RouteConfig("img.foobar.com", null, "static"),
                        new RouteConfig(null, "/static/", "static"),
                        RouteConfig.builder()
                                .pathPrefix("/admin")
                                .source(Cidr.parse("10.0.0.0/8"))
                                .backend("admin")
                                .build()),
                www.routes());
        assertEquals("web", www.defaultBackend());
        assertEquals(20000, www.maxConnections());
        assertEquals(www.routes(), frontend(c, "www-tls").routes());
        assertFalse(noted(r, h + ":46:"), "src is a route's source: " + r.notes());

        HealthCheckConfig web = backend(c, "web").healthCheck();
        assertEquals(HealthCheckConfig.Type.HTTP, web.type());
        assertEquals("/health", web.path());
        assertEquals(new HealthCheckConfig.StatusRange(200, 200), web.expectStatus());
        assertEquals(Duration.ofSeconds(2), web.interval());
        assertTrue(backend(c, "web").servers().get(3).backup());
        assertEquals(500, backend(c, "web").servers().get(1).maxConnections());
        assertEquals(50, backend(c, "web").servers().get(2).weight());

        BackendConfig app = backend(c, "app");
        assertEquals("app.foobar.com", app.healthCheck().host());
        assertEquals("OK", app.healthCheck().expectBody());
        assertEquals(Duration.ofSeconds(30), app.slowStart());
        assertEquals(SendProxy.V1, app.sendProxy());
        assertEquals(
                HealthCheckConfig.Type.MYSQL, backend(c, "mysql").healthCheck().type());
        assertEquals("haproxy_check", backend(c, "mysql").healthCheck().user());
        assertEquals(Duration.ofHours(1), backend(c, "mysql").timeouts().server());

        ClusterConfig cl = c.cluster();
        assertEquals("lb1", c.node());
        assertEquals("vrrp-51", cl.name());
        assertEquals("10.0.0.11:7800", cl.bind().toString());
        assertEquals(2, cl.peers().size());
        assertEquals(101, cl.priority());
        assertTrue(cl.preempt());
        assertEquals("10.0.0.10", cl.vips().get(0).ip());
        assertEquals(24, cl.vips().get(0).prefixLength());
        assertEquals("eth0", cl.vips().get(0).iface());
        assertTrue(noted(r, k + ":31: track_script {"));
        assertTrue(noted(r, k + ":34: notify_master"));
    }

    @Test
    void srcBecomesARouteSourceThatTheLoaderReads() throws Exception {
        Importer.Result r = importText("""
                defaults
                    mode http
                frontend www
                    bind 127.0.0.1:8080
                    acl office src 10.0.0.0/8 2001:db8::/32
                    acl office src ::1
                    acl admin path_beg /admin
                    http-request deny if { src 192.0.2.66 }
                    use_backend intranet if admin office
                    use_backend intranet if { hdr(host) -i intranet.example.com } office
                    default_backend web
                backend web
                    server w1 127.0.0.1:9001
                backend intranet
                    server i1 127.0.0.1:9002
                """, null);
        assertEquals(List.of(), r.notes(), "every line translated");
        RouteConfig.Builder byPath = RouteConfig.builder().pathPrefix("/admin").backend("intranet");
        RouteConfig.Builder byHost =
                RouteConfig.builder().host("intranet.example.com").backend("intranet");
        for (String office : List.of("10.0.0.0/8", "2001:db8::/32", "::1")) {
            byPath.source(Cidr.parse(office));
            byHost.source(Cidr.parse(office));
        }
        assertEquals(
                List.of(
                        RouteConfig.builder()
                                .source(Cidr.parse("192.0.2.66"))
                                .deny(403)
                                .build(),
                        byPath.build(),
                        byHost.build()),
                frontend(load(r), "www").routes(),
                r.yaml());
    }

    @Test
    void hashBalancingAndCookiePersistenceTranslate() throws Exception {
        Importer.Result r = importText("""
                defaults
                    mode http
                backend byuser
                    balance hdr(X-User)
                    hash-balance-factor 125
                    server s1 127.0.0.1:9001
                backend byparam
                    balance url_param id
                    server s1 127.0.0.1:9001
                backend bypath
                    balance uri whole
                    cookie JSESSIONID prefix
                    server s1 127.0.0.1:9001
                backend sticky
                    cookie SRV insert indirect nocache httponly secure maxidle 30m
                    server s1 127.0.0.1:9001 cookie a
                """, null);
        TandemConfig c = load(r);
        assertEquals(
                new HashPolicy(HashPolicy.Source.HEADER, "X-User", 1.25),
                backend(c, "byuser").hash());
        assertEquals(
                new HashPolicy(HashPolicy.Source.QUERY, "id", 0),
                backend(c, "byparam").hash());
        assertEquals(
                new HashPolicy(HashPolicy.Source.URI, null, 0),
                backend(c, "bypath").hash());
        assertEquals(
                new PersistenceConfig("JSESSIONID", PersistenceConfig.Mode.PREFIX, true, true, null),
                backend(c, "bypath").persistence());
        assertEquals(
                new PersistenceConfig(
                        "SRV",
                        PersistenceConfig.Mode.INSERT,
                        true,
                        true,
                        PersistenceConfig.Secure.ALWAYS,
                        Duration.ofMinutes(30)),
                backend(c, "sticky").persistence());
        assertTrue(
                noted(r, dir.resolve("haproxy.cfg") + ":11: balance uri whole"),
                r.notes().toString());
        assertFalse(
                noted(r, dir.resolve("haproxy.cfg") + ":15: cookie SRV insert"),
                "every option translated: " + r.notes());
        assertTrue(
                noted(r, dir.resolve("haproxy.cfg") + ":16: server s1"),
                r.notes().toString());
    }

    @Test
    void aDefaultsLineInheritedByManySectionsIsNotedOnce() throws Exception {
        Importer.Result r = importText("""
                defaults
                    mode http
                    option dontlognull
                    timeout connect 5s
                frontend a
                    bind :8001
                    default_backend b
                frontend c
                    bind :8002
                    default_backend b
                backend b
                    server s 127.0.0.1:9000
                """, null);
        assertEquals(
                1,
                r.notes().stream().filter(n -> n.contains("dontlognull")).count(),
                r.notes().toString());
        TandemConfig c = load(r);
        assertEquals(Duration.ofSeconds(5), backend(c, "b").timeouts().connect());
        assertEquals(Mode.HTTP, frontend(c, "a").mode());
    }

    @Test
    void eachSectionInheritsTheDefaultsBeforeItOrTheOneItNames() throws Exception {
        TandemConfig c = load(importText("""
                defaults web
                    mode http
                    timeout server 30s
                backend a
                    server s 127.0.0.1:9001
                backend b
                    server s 127.0.0.1:9002
                defaults
                    mode tcp
                    timeout server 1h
                backend db
                    server s 127.0.0.1:3306
                backend c from web
                    server s 127.0.0.1:9003
                """, null));
        // The first defaults section serves three backends: it becomes Tandem's defaults.
        assertEquals(Duration.ofSeconds(30), backend(c, "a").timeouts().server());
        assertEquals(Duration.ofHours(1), backend(c, "db").timeouts().server());
        assertEquals(Mode.TCP, backend(c, "db").mode());
        assertEquals(Mode.HTTP, backend(c, "c").mode());
        assertEquals(Duration.ofSeconds(30), backend(c, "c").timeouts().server());
    }

    @Test
    void anUnknownDirectiveIsNotedWithItsLineAndTheOutputStaysValid() throws Exception {
        Importer.Result r = importText("""
                frontend www   # the site
                    mode http
                    bind 127.0.0.1:8080
                    frobnicate yes please
                    use_backend api if { hdr_end(host) -i .example.com }
                backend api
                    mode http
                    server "api one" 127.0.0.1:9001 check port 9002
                """, null);
        String cfg = dir.resolve("haproxy.cfg").toString();
        assertTrue(
                r.notes().contains(cfg + ":4: frobnicate yes please -- no Tandem equivalent"),
                r.notes().toString());
        assertTrue(noted(r, cfg + ":5: use_backend api if { hdr_end(host) -i .example.com } -- not a route"));
        assertTrue(
                noted(
                        r,
                        cfg
                                + ":8: server \"api one\" 127.0.0.1:9001 check port 9002 -- server options not translated: port 9002"));
        assertTrue(r.yaml().contains("#   " + cfg + ":4: frobnicate yes please -- no Tandem equivalent\n"));
        TandemConfig c = load(r);
        // No default_backend in HAProxy: 503 for what no rule takes; an empty backend does the same.
        assertEquals("no-backend", frontend(c, "www").defaultBackend());
        assertTrue(backend(c, "no-backend").servers().isEmpty());
        assertEquals("api-one", backend(c, "api").servers().get(0).name());
    }

    @Test
    void aTcpFrontendInFrontOfAnHttpBackendBecomesHttpAsHAProxyUpgradesIt() throws Exception {
        TandemConfig c = load(importText("""
                frontend f
                    bind 127.0.0.1:8080
                    default_backend b
                backend b
                    mode http
                    server s 127.0.0.1:9000
                """, null));
        assertEquals(Mode.HTTP, frontend(c, "f").mode());
    }

    @Test
    void perServerSettingsThatDifferAreNotedOnTheServersThatLoseThem() throws Exception {
        Importer.Result r = importText("""
                backend b
                    server s1 127.0.0.1:9001 check inter 1s slowstart 10s
                    server s2 127.0.0.1:9002 check inter 1s slowstart 20s
                """, null);
        String cfg = dir.resolve("haproxy.cfg").toString();
        assertTrue(noted(r, cfg + ":3: server s2"), r.notes().toString());
        assertFalse(noted(r, cfg + ":2: server s1"), r.notes().toString());
        assertEquals(Duration.ofSeconds(10), backend(load(r), "b").slowStart());
    }

    @Test
    void proxyProtocolAndTlsToServersBecomeBackendSettings() throws Exception {
        BackendConfig b = backend(load(importText("""
                backend b
                    mode tcp
                    default-server check inter 3s fastinter 500ms downinter 10s rise 4 fall 5
                    server s1 127.0.0.1:9001 send-proxy-v2 check-send-proxy ssl verify none
                    server s2 127.0.0.1:9002 send-proxy-v2 check-send-proxy ssl verify none
                """, null)), "b");
        assertEquals(SendProxy.V2, b.sendProxy());
        assertEquals(SendProxy.V2, b.healthCheck().sendProxy());
        assertFalse(b.tls().verify());
        assertEquals(Duration.ofSeconds(3), b.healthCheck().interval());
        assertEquals(Duration.ofMillis(500), b.healthCheck().fastInterval());
        assertEquals(Duration.ofSeconds(10), b.healthCheck().downInterval());
        assertEquals(4, b.healthCheck().rise());
        assertEquals(5, b.healthCheck().fall());
    }

    @Test
    void http2ToServersBecomesTheBackendsProtocol() throws Exception {
        Importer.Result r = importText("""
                backend grpc
                    mode http
                    server g1 127.0.0.1:50051 proto h2
                backend tls
                    mode http
                    server t1 127.0.0.1:8443 ssl verify none alpn h2,http/1.1
                backend old
                    mode http
                    server o1 127.0.0.1:8080 alpn http/1.1
                backend proxied
                    mode http
                    server p1 127.0.0.1:8081 proto h2 send-proxy
                """, null);
        TandemConfig c = load(r);
        assertEquals(ServerProtocol.H2, backend(c, "grpc").protocol());
        assertEquals(ServerProtocol.H2, backend(c, "tls").protocol());
        assertEquals(ServerProtocol.HTTP1, backend(c, "old").protocol());
        assertEquals(ServerProtocol.HTTP1, backend(c, "proxied").protocol());
        assertEquals(SendProxy.V1, backend(c, "proxied").sendProxy());
        assertTrue(
                r.notes().stream().anyMatch(n -> n.contains("proto h2 with send-proxy")),
                r.notes().toString());
    }

    @Test
    void multicastVrrpNeedsTheClusterAddressesFromTheEnvironment() throws Exception {
        Importer.Result r = importText("frontend f\n bind :80\n", """
                vrrp_instance VI_1
                {
                    interface eth1
                    virtual_router_id 7
                    priority 150
                    nopreempt
                    virtual_ipaddress {
                        192.0.2.80
                    }
                }
                """);
        assertEquals(List.of("TANDEM_CLUSTER_SECRET", "TANDEM_CLUSTER_BIND", "TANDEM_CLUSTER_PEER"), r.variables());
        Map<String, String> env = Map.of(
                "TANDEM_CLUSTER_SECRET",
                "x",
                "TANDEM_CLUSTER_BIND",
                "192.0.2.1:7800",
                "TANDEM_CLUSTER_PEER",
                "192.0.2.2:7800");
        ClusterConfig cl = ConfigLoader.parse("t.yaml", r.yaml(), env).cluster();
        assertFalse(cl.preempt());
        assertEquals(150, cl.priority());
        assertEquals(32, cl.vips().get(0).prefixLength());
        assertEquals("eth1", cl.vips().get(0).iface());
    }

    @Test
    void aBundleWithTheKeyIsUsedAsBothCertAndKey() throws Exception {
        Path pem = Files.writeString(
                dir.resolve("site.pem"),
                "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"
                        + "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n");
        Importer.Result r = importText("frontend f\n mode http\n bind :443 ssl crt " + pem + "\n", null);
        assertTrue(r.yaml().contains("- { cert: " + pem + ", key: " + pem + " }"), r.yaml());
        assertNull(r.notes().stream()
                .filter(n -> n.contains("cannot be read"))
                .findFirst()
                .orElse(null));
    }

    @Test
    void httpOnlySettingsOfATcpFrontendAreNotedNotWritten() throws Exception {
        Importer.Result r = importText("""
                frontend f
                    mode tcp
                    bind 127.0.0.1:8443 ssl crt /nonexistent.pem
                    http-response set-header Strict-Transport-Security max-age=100
                    default_backend b
                backend b
                    mode tcp
                """, null);
        String cfg = dir.resolve("haproxy.cfg").toString();
        assertTrue(noted(
                r, cfg + ":4: http-response set-header Strict-Transport-Security max-age=100 -- hsts needs mode http"));
        assertFalse(r.yaml().contains("hsts:"), r.yaml());
        assertFalse(r.yaml().contains("alpn:"), r.yaml());
    }

    private Path resource(String name) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/import/foobar/" + name)) {
            return Files.write(dir.resolve(name), in.readAllBytes());
        }
    }
}
