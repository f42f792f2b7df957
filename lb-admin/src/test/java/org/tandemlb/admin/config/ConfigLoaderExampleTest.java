package org.tandemlb.admin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tandemlb.cluster.ClusterConfig;
import org.tandemlb.cluster.VipConfig;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Balance;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.HealthCheckConfig;
import org.tandemlb.core.config.HealthCheckConfig.StatusRange;
import org.tandemlb.core.config.HostPort;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.RouteConfig;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.config.Timeouts;

/** A complete example config (test resource config/full-example.yaml), read from a file. */
class ConfigLoaderExampleTest {

    private static final Map<String, String> ENV = Map.of("TANDEM_CLUSTER_SECRET", "s3cret", "HOSTNAME", "host-a");

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(
                ConfigLoaderExampleTest.class.getResource("/config/" + name).toURI());
    }

    @Test
    void theFullExampleLoads() throws Exception {
        TandemConfig c = ConfigLoader.load(resource("full-example.yaml"), ENV);

        assertEquals("lb1", c.node());
        assertEquals(new HostPort("127.0.0.1", 9000), c.admin().listen());
        assertEquals("", c.admin().token(), "${TANDEM_ADMIN_TOKEN:-} with the variable unset is empty");
        assertFalse(c.admin().hasToken());

        FrontendConfig www = c.loadBalancer().frontend("www");
        assertEquals(Mode.HTTP, www.mode());
        assertEquals(List.of(new HostPort("0.0.0.0", 443)), www.binds());
        assertEquals(20000, www.maxConnections());
        assertEquals("web", www.defaultBackend());
        assertEquals(
                List.of(new RouteConfig("static.foobar.com", null, "static"), new RouteConfig(null, "/api/", "app")),
                www.routes());
        assertEquals(Timeouts.DEFAULTS, www.timeouts(), "the example's defaults are lb-core's defaults");
        assertEquals(new AccessLogSettings("stdout", AccessLogSettings.Format.TEXT), c.accessLog("www"));

        BackendConfig web = c.loadBalancer().backend("web");
        assertEquals(Balance.ROUNDROBIN, web.balance());
        assertEquals(Duration.ofSeconds(30), web.slowStart());
        assertEquals(10, web.passiveCheck().errorLimit());
        assertEquals(3, web.retries());
        assertEquals(
                List.of(
                        new ServerConfig("web1", new HostPort("10.0.0.21", 80), 100, false, 0),
                        new ServerConfig("web2", new HostPort("10.0.0.22", 80), 100, false, 500),
                        new ServerConfig("sorry", new HostPort("10.0.0.29", 80), 1, true, 0)),
                web.servers());
        HealthCheckConfig webCheck = web.healthCheck();
        assertEquals(HealthCheckConfig.Type.HTTP, webCheck.type());
        assertEquals("/health", webCheck.path());
        assertEquals(new StatusRange(200, 399), webCheck.expectStatus());
        assertEquals(Duration.ofSeconds(2), webCheck.interval());
        assertEquals(Duration.ofSeconds(2), webCheck.timeout(), "timeout comes from defaults.health_check");
        assertEquals(2, webCheck.rise());
        assertEquals(3, webCheck.fall());

        BackendConfig mysql = c.loadBalancer().backend("mysql");
        assertEquals(Mode.TCP, mysql.mode());
        assertEquals(Balance.LEASTCONN, mysql.balance());
        assertEquals(HealthCheckConfig.Type.MYSQL, mysql.healthCheck().type());
        assertEquals("tandem_check", mysql.healthCheck().user());
        assertEquals(Duration.ofSeconds(2), mysql.healthCheck().interval(), "interval from defaults");
        assertEquals(3, mysql.healthCheck().fall(), "fall from defaults");
        assertTrue(mysql.server("db2").backup());
        assertFalse(mysql.server("db1").backup());
        assertEquals(new HostPort("10.0.0.31", 3306), mysql.server("db1").address());

        BackendConfig stat = c.loadBalancer().backend("static");
        assertEquals(new HostPort("10.0.0.41", 80), stat.server("static1").address(), "${STATIC_HOST:-10.0.0.41}");
        assertEquals(
                HealthCheckConfig.Type.TCP,
                stat.healthCheck().type(),
                "defaults.health_check without a type gives every backend a tcp check");
        assertEquals(Mode.HTTP, stat.mode());

        BackendConfig app = c.loadBalancer().backend("app");
        assertEquals(Duration.ofMinutes(2), app.timeouts().server(), "the backend's own timeout");
        assertEquals(Duration.ofSeconds(1), app.timeouts().connect(), "the backend's own timeout");
        assertEquals(Duration.ofHours(1), app.timeouts().tunnel(), "inherited from defaults");
        assertEquals(1, app.retries());
        assertEquals(Duration.ofMillis(500), app.healthCheck().interval());
        assertEquals(Duration.ofSeconds(2), app.healthCheck().timeout(), "from defaults, key by key");
        assertEquals("/ready", app.healthCheck().path());

        ClusterConfig cl = c.cluster();
        assertEquals("lb1", cl.node());
        assertEquals("foobar-lb", cl.name());
        assertEquals(new HostPort("10.0.0.11", 7800), cl.bind());
        assertEquals(List.of(new HostPort("10.0.0.11", 7800), new HostPort("10.0.0.12", 7800)), cl.peers());
        assertEquals(100, cl.priority());
        assertFalse(cl.preempt());
        assertEquals("s3cret", cl.secret());
        assertEquals(new HostPort("10.0.0.1", 53), cl.tiebreaker());
        assertEquals(List.of(VipConfig.linux("203.0.113.10", 24, "eth0")), cl.vips());
        assertEquals("203.0.113.10/24", cl.vips().get(0).cidr());
        assertEquals("203.0.113.10", cl.vips().get(0).ip());
        assertEquals(24, cl.vips().get(0).prefixLength());
        assertFalse(cl.toString().contains("s3cret"), "the secret is not printed");
    }

    @Test
    void environmentOverridesTheDefaultsOfTheExample() throws Exception {
        Map<String, String> env = Map.of(
                "TANDEM_CLUSTER_SECRET", "s3cret", "TANDEM_ADMIN_TOKEN", "t0ken", "STATIC_HOST", "static.internal");
        TandemConfig c = ConfigLoader.load(resource("full-example.yaml"), env);
        assertEquals("t0ken", c.admin().token());
        assertEquals(
                new HostPort("static.internal", 80),
                c.loadBalancer().backend("static").server("static1").address());
    }

    @Test
    void theClusterSecretMustBeInTheEnvironment() throws Exception {
        ConfigException e =
                assertThrows(ConfigException.class, () -> ConfigLoader.load(resource("full-example.yaml"), Map.of()));
        String file = resource("full-example.yaml").toString();
        assertEquals(
                List.of(file + ":56:11: cluster.secret: environment variable TANDEM_CLUSTER_SECRET is not set"),
                e.problems().stream().map(ConfigProblem::toString).toList());
    }

    /** The example's routes name backends static and app, which it does not define. */
    @Test
    void theSpecExampleAsWrittenHasTwoDanglingReferences() throws Exception {
        Path spec = resource("spec-example.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(spec, ENV));
        assertEquals(
                List.of(
                        spec + ":19:45: frontends.www.routes[0].backend: backend 'static' is not defined",
                        spec + ":20:40: frontends.www.routes[1].backend: backend 'app' is not defined"),
                e.problems().stream().map(ConfigProblem::toString).toList());
        assertEquals(
                String.join(
                        "\n", e.problems().stream().map(ConfigProblem::toString).toList()),
                e.getMessage());
    }

    @Test
    void withoutAClusterSectionTheNodeIsSoloAndNamedAfterTheHost() throws Exception {
        TandemConfig c = ConfigLoader.parse("solo.yaml", """
                frontends:
                  - { name: www, bind: "127.0.0.1:0", default_backend: web }
                backends:
                  - { name: web }
                """, Map.of("HOSTNAME", "lb-7.example.com"));
        assertTrue(c.solo());
        assertNull(c.cluster());
        assertEquals("lb-7.example.com", c.node());
        assertEquals(AdminSettings.DEFAULTS, c.admin());
        assertNull(c.loadBalancer().backend("web").healthCheck(), "no health_check anywhere: no active check");
        assertEquals(List.of(), c.loadBalancer().backend("web").servers());
    }
}
