package org.tandemlb.admin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.cluster.ClusterConfig;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.HealthCheckConfig;
import org.tandemlb.core.config.HostPort;
import org.tandemlb.core.config.SendProxy;

/**
 * Every rule of {@link ConfigLoader}, each asserted as the exact line {@code tandem check} prints.
 * The YAML of each test is written out whole so that its line numbers can be read off.
 */
class ConfigLoaderErrorsTest {

    /** A valid frontend and backend to put a mistake into; lines 1-8. */
    private static final String VALID = """
            frontends:
              - name: www
                bind: 127.0.0.1:8080
                default_backend: web
            backends:
              - name: web
                servers:
                  - { name: web1, address: 10.0.0.1:80 }
            """;

    private static List<String> problems(String yaml, Map<String, String> env) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("t.yaml", yaml, env));
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    private static void assertProblems(String yaml, String... expected) {
        assertEquals(List.of(expected), problems(yaml, Map.of()));
    }

    private static TandemConfig load(String yaml, Map<String, String> env) throws ConfigException {
        return ConfigLoader.parse("t.yaml", yaml, env);
    }

    @Test
    void theValidBaseLoads() throws Exception {
        assertEquals(
                1, load(VALID, Map.of()).loadBalancer().backend("web").servers().size());
    }

    @Test
    void threeMistakesAreReportedTogetherWithTheirPositions() {
        assertProblems(
                """
                frontends:
                  - name: www
                    bind: 127.0.0.1:8080
                    default_backend: webb
                backends:
                  - name: web
                    health_check:
                      intervall: 2s
                      timeout: 5
                    servers:
                      - { name: web1, address: 10.0.0.1:80 }
                """,
                "t.yaml:4:22: frontends.www.default_backend: backend 'webb' is not defined; did you mean 'web'?",
                "t.yaml:8:7: backends.web.health_check: unknown key 'intervall'; did you mean 'interval'?",
                "t.yaml:9:16: backends.web.health_check.timeout: '5' needs a unit: ms, s, m or h");
    }

    @Test
    void problemsAreSortedByLineThenColumnAndMakeTheMessage() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("t.yaml", """
                backends:
                  - { name: web, slow_start: 5, retries: -1 }
                frontends:
                  - { name: www, bind: 127.0.0.1, default_backend: web }
                """, Map.of()));
        assertEquals("""
                t.yaml:2:30: backends.web.slow_start: '5' needs a unit: ms, s, m or h
                t.yaml:2:42: backends.web.retries: -1 is out of range: use 0 or more
                t.yaml:4:24: frontends.www.bind: '127.0.0.1' has no port (write host:port)""", e.getMessage());
        assertEquals(
                new ConfigProblem("t.yaml", 2, 30, "backends.web.slow_start", "'5' needs a unit: ms, s, m or h"),
                e.problems().get(0));
    }

    @Nested
    class Keys {
        @Test
        void unknownKeyWithoutASuggestion() {
            assertProblems("colour: red\n" + VALID, "t.yaml:1:1: unknown key 'colour'");
        }

        @Test
        void unknownTopLevelKeyWithASuggestion() {
            assertProblems(VALID + "cluser: {}\n", "t.yaml:9:1: unknown key 'cluser'; did you mean 'cluster'?");
        }

        @Test
        void swappedLettersCountAsOneEdit() {
            assertProblems("""
                    backends:
                      - name: web
                        helath_check: { type: tcp }
                    """, "t.yaml:3:5: backends.web: unknown key 'helath_check'; did you mean 'health_check'?");
        }

        @Test
        void duplicateKeyIsReportedAtTheSecond() {
            assertProblems("""
                    frontends:
                      - name: www
                        bind: 127.0.0.1:8080
                        default_backend: web
                        bind: 127.0.0.1:8081
                    backends:
                      - name: web
                    """, "t.yaml:5:5: frontends.www: duplicate key 'bind' (first at line 3)");
        }

        @Test
        void duplicateKeyInAFlowMapping() {
            assertProblems(VALID + """
                    cluster: { bind: "10.0.0.1:7800", peers: ["10.0.0.2:7800"], secret: x, secret: y }
                    """, "t.yaml:9:72: cluster: duplicate key 'secret' (first at line 9)");
        }

        @Test
        void aMissingRequiredKeyIsReportedAtItsMapping() {
            assertProblems("""
                    frontends:
                      - name: www
                        bind: 127.0.0.1:8080
                    backends:
                      - name: web
                    """, "t.yaml:2:5: frontends.www: 'default_backend' is required");
        }

        @Test
        void aRequiredKeyWithNothingAfterIt() {
            assertProblems("""
                    frontends:
                      - name: www
                        bind: 127.0.0.1:8080
                        default_backend:
                    backends:
                      - name: web
                    """, "t.yaml:4:21: frontends.www.default_backend: needs a value");
        }

        @Test
        void aBackendSettingOnAFrontend() {
            assertProblems(
                    """
                    frontends:
                      - name: www
                        bind: 127.0.0.1:8080
                        default_backend: web
                        retries: 2
                    backends:
                      - name: web
                    """,
                    "t.yaml:5:5: frontends.www: 'retries' is a backend setting: set it on the backends or in defaults");
        }
    }

    @Nested
    class NodeKinds {
        @Test
        void aMappingWhereAListIsExpected() {
            assertProblems("""
                    backends:
                      - name: web
                        servers: { name: web1, address: 10.0.0.1:80 }
                    """, "t.yaml:3:14: backends.web.servers: expected a list, not a mapping");
        }

        @Test
        void aListWhereAMappingIsExpected() {
            assertProblems("""
                    backends:
                      - name: web
                        health_check: [tcp]
                    """, "t.yaml:3:19: backends.web.health_check: expected a mapping (key: value), not a list");
        }

        @Test
        void aListWhereAValueIsExpected() {
            assertProblems("""
                    backends:
                      - name: web
                        balance: [roundrobin]
                    """, "t.yaml:3:14: backends.web.balance: expected a value, not a list");
        }

        @Test
        void aValueWhereTheListOfFrontendsIsExpected() {
            assertProblems("frontends: www\n", "t.yaml:1:12: frontends: expected a list, not a value");
        }

        @Test
        void aListItemThatIsNotAMapping() {
            assertProblems("""
                    backends:
                      - web
                    """, "t.yaml:2:5: backends[0]: expected a mapping with a name (a backend), not a value");
        }

        @Test
        void theFileMustBeAMapping() {
            assertProblems(
                    "- a\n- b\n",
                    "t.yaml:1:1: the file must be a mapping of keys such as frontends and backends, not a list");
        }

        @Test
        void anEmptyFile() {
            assertProblems("# nothing\n", "t.yaml:1:1: the file is empty");
        }

        @Test
        void aYamlAliasIsRefused() {
            assertProblems(
                    """
                    backends:
                      - name: &n web
                        retries: 2
                      - name: *n
                    """, "t.yaml:4:11: backends[1].name: YAML aliases (*n) are not supported; write the value out");
        }

        @Test
        void onlyOneDocument() {
            assertProblems(
                    VALID + "---\nnode: x\n",
                    "t.yaml:10:1: only one YAML document is allowed (remove the second '---')");
        }
    }

    @Nested
    class Types {
        @Test
        void notAWholeNumber() {
            assertProblems("""
                    frontends:
                      - name: www
                        bind: 127.0.0.1:8080
                        default_backend: web
                        max_connections: lots
                    backends:
                      - name: web
                    """, "t.yaml:5:22: frontends.www.max_connections: 'lots' is not a whole number");
        }

        @Test
        void weightOutOfRange() {
            assertProblems("""
                    backends:
                      - name: web
                        servers:
                          - { name: web1, address: 10.0.0.1:80, weight: 300 }
                    """, "t.yaml:4:53: backends.web.servers.web1.weight: 300 is out of range: use 0 to 256");
        }

        @Test
        void yesIsNotABoolean() {
            assertProblems("""
                    backends:
                      - name: web
                        servers:
                          - { name: web1, address: 10.0.0.1:80, backup: yes }
                    """, "t.yaml:4:53: backends.web.servers.web1.backup: 'yes' is not true or false");
        }

        @Test
        void aWrongChoiceWithASuggestion() {
            assertProblems(
                    """
                    backends:
                      - name: web
                        balance: leastcon
                        mode: HTTP
                    """,
                    "t.yaml:3:14: backends.web.balance: 'leastcon' is not one of roundrobin, leastconn, random, source; did you mean 'leastconn'?",
                    "t.yaml:4:11: backends.web.mode: 'HTTP' is not one of http, tcp; did you mean 'http'?");
        }

        @Test
        void aStatusRangeRefusedByLbCore() {
            assertProblems(
                    """
                    backends:
                      - name: web
                        health_check: { type: http, expect_status: 200-600 }
                    """,
                    "t.yaml:3:48: backends.web.health_check.expect_status: status range 200-600 is not within 100-599");
        }
    }

    @Nested
    class Durations {
        @Test
        void aBareNumberNeedsAUnit() {
            assertProblems(
                    VALID + "defaults:\n  timeouts: { connect: 5 }\n",
                    "t.yaml:10:24: defaults.timeouts.connect: '5' needs a unit: ms, s, m or h");
        }

        @Test
        void negativeAndZeroAndFractional() {
            assertProblems(
                    VALID + """
                    defaults:
                      timeouts: { connect: -5s, client: 0s, server: 1.5s, drain: 0s }
                    """,
                    "t.yaml:10:24: defaults.timeouts.connect: '-5s' must not be negative",
                    "t.yaml:10:37: defaults.timeouts.client: must be more than 0",
                    "t.yaml:10:49: defaults.timeouts.server: '1.5s' is not a duration like 500ms, 2s, 5m, 1h or 1m30s");
        }

        @Test
        void timeoutsMergeKeyByKey() throws Exception {
            TandemConfig c = load("""
                    defaults:
                      timeouts: { connect: 3s, server: 30s }
                    frontends:
                      - name: www
                        bind: 127.0.0.1:8080
                        default_backend: web
                        timeouts: { client: 1m30s }
                    backends:
                      - name: web
                        timeouts: { server: 2m }
                    """, Map.of());
            var f = c.loadBalancer().frontend("www").timeouts();
            assertEquals(Duration.ofSeconds(90), f.client());
            assertEquals(Duration.ofSeconds(3), f.connect());
            assertEquals(Duration.ofSeconds(10), f.httpRequest(), "lb-core's default");
            var b = c.loadBalancer().backend("web").timeouts();
            assertEquals(Duration.ofMinutes(2), b.server());
            assertEquals(Duration.ofSeconds(3), b.connect());
        }
    }

    @Nested
    class Environment {
        @Test
        void setUnsetAndDefaults() throws Exception {
            String yaml = """
                    node: ${NODE:-lb-default}
                    admin:
                      listen: "${ADMIN_HOST:-127.0.0.1}:${ADMIN_PORT}"
                      token: ${TOKEN:-}
                    """ + VALID;
            TandemConfig c = load(yaml, Map.of("ADMIN_PORT", "9100"));
            assertEquals("lb-default", c.node());
            assertEquals(new HostPort("127.0.0.1", 9100), c.admin().listen());
            assertEquals("", c.admin().token());

            c = load(yaml, Map.of("NODE", "lb2", "ADMIN_HOST", "0.0.0.0", "ADMIN_PORT", "9000", "TOKEN", "t"));
            assertEquals("lb2", c.node());
            assertEquals(new HostPort("0.0.0.0", 9000), c.admin().listen());
            assertEquals("t", c.admin().token());

            assertEquals(
                    "lb-default",
                    load(yaml, Map.of("NODE", "", "ADMIN_PORT", "1")).node(),
                    ":- uses the default for an empty variable too, as a shell does");
        }

        @Test
        void anUnsetVariableWithoutDefault() {
            assertEquals(
                    List.of("t.yaml:3:11: admin.listen: environment variable ADMIN_PORT is not set"),
                    problems("""
                            node: lb1
                            admin:
                              listen: "127.0.0.1:${ADMIN_PORT}"
                            """ + VALID, Map.of()));
        }

        @Test
        void aVariableCanBeANumber() throws Exception {
            TandemConfig c = load("""
                    backends:
                      - name: web
                        servers:
                          - { name: web1, address: 10.0.0.1:80, weight: "${W:-7}" }
                    """, Map.of());
            assertEquals(7, c.loadBalancer().backend("web").server("web1").weight());
            assertEquals(
                    List.of("t.yaml:4:53: backends.web.servers.web1.weight: 'x' is not a whole number"),
                    problems("""
                            backends:
                              - name: web
                                servers:
                                  - { name: web1, address: 10.0.0.1:80, weight: "${W:-7}" }
                            """, Map.of("W", "x")));
        }

        @Test
        void malformedReferences() {
            assertEquals(
                    List.of(
                            "t.yaml:1:7: node: '${' at character 1 is not closed by '}'",
                            "t.yaml:3:10: admin.token: '${1X}' is not ${VAR} or ${VAR:-default}"),
                    problems("""
                            node: ${NODE
                            admin:
                              token: ${1X}
                            """ + VALID, Map.of()));
        }

        @Test
        void anUnquotedVariableInAFlowMappingGetsAHint() {
            List<String> p = problems("""
                    backends:
                      - { name: ${NAME} }
                    """, Map.of("NAME", "web"));
            assertEquals(1, p.size());
            assertEquals(true, p.get(0).startsWith("t.yaml:2:14: YAML syntax error: "), p.get(0));
            assertEquals(true, p.get(0).endsWith("; quote a value holding ${...} inside { } or [ ]"), p.get(0));
        }
    }

    @Nested
    class Names {
        @Test
        void duplicateBackendNamesAtTheSecond() {
            assertProblems("""
                    backends:
                      - name: web
                      - name: web
                    """, "t.yaml:3:11: backends[1].name: backend 'web' is already defined at line 2");
        }

        @Test
        void duplicateFrontendNamesAtTheSecond() {
            assertProblems("""
                    frontends:
                      - name: www
                        bind: 127.0.0.1:8080
                        default_backend: web
                      - { name: www, bind: 127.0.0.1:8081, default_backend: web }
                    backends:
                      - name: web
                    """, "t.yaml:5:13: frontends[1].name: frontend 'www' is already defined at line 2");
        }

        @Test
        void duplicateServerNamesWithinABackend() {
            assertProblems(
                    """
                    backends:
                      - name: web
                        servers:
                          - { name: web1, address: 10.0.0.1:80 }
                          - { name: web1, address: 10.0.0.2:80 }
                      - name: api
                        servers:
                          - { name: web1, address: 10.0.0.3:80 }
                    """, "t.yaml:5:17: backends.web.servers[1].name: server 'web1' is already defined at line 4");
        }

        @Test
        void aBadNameAndAMissingName() {
            assertProblems(
                    """
                    backends:
                      - name: web server
                      - mode: http
                    """,
                    "t.yaml:2:11: backends[0].name: backend name 'web server' must match [A-Za-z0-9_.-]+",
                    "t.yaml:3:5: backends[1]: 'name' is required");
        }

        @Test
        void aBadNodeName() {
            assertProblems("node: lb 1\n" + VALID, "t.yaml:1:7: node: node name 'lb 1' must match [A-Za-z0-9_.-]+");
        }
    }

    @Nested
    class Addresses {
        @Test
        void aServerAddressWithoutPort() {
            assertProblems(
                    """
                    backends:
                      - name: web
                        servers:
                          - { name: web1, address: 10.0.0.1 }
                    """, "t.yaml:4:32: backends.web.servers.web1.address: '10.0.0.1' has no port (write host:port)");
        }

        @Test
        void aBindAddressWithoutPortInAList() {
            assertProblems("""
                    frontends:
                      - name: www
                        bind: ["127.0.0.1:80", "0.0.0.0"]
                        default_backend: web
                    backends:
                      - name: web
                    """, "t.yaml:3:28: frontends.www.bind[1]: '0.0.0.0' has no port (write host:port)");
        }

        @Test
        void bindIsAStringOrAList() throws Exception {
            TandemConfig c = load("""
                    frontends:
                      - { name: a, bind: "127.0.0.1:0", default_backend: web }
                      - { name: b, bind: ["127.0.0.1:81", "[::1]:81"], default_backend: web }
                    backends:
                      - name: web
                    """, Map.of());
            assertEquals(
                    List.of(new HostPort("127.0.0.1", 0)),
                    c.loadBalancer().frontend("a").binds());
            assertEquals(
                    List.of(new HostPort("127.0.0.1", 81), new HostPort("::1", 81)),
                    c.loadBalancer().frontend("b").binds());
        }

        @Test
        void aServerNeedsARealPort() {
            assertProblems(
                    """
                    backends:
                      - name: web
                        servers:
                          - { name: web1, address: "10.0.0.1:0" }
                    """, "t.yaml:4:32: backends.web.servers.web1.address: '10.0.0.1:0' needs a port other than 0");
        }

        @Test
        void adminOnEveryAddressWithoutToken() {
            assertProblems(
                    """
                    admin:
                      listen: 0.0.0.0:9000
                    """ + VALID,
                    "t.yaml:2:11: admin.listen: 0.0.0.0:9000 is not a loopback address: set admin.token, or listen on 127.0.0.1");
        }

        @Test
        void adminOnLoopbackOrWithAToken() throws Exception {
            for (String listen : List.of("127.0.0.2:9000", "localhost:9000", "\"[::1]:9000\"")) {
                load("admin:\n  listen: " + listen + "\n" + VALID, Map.of());
            }
            assertEquals(
                    "abc",
                    load("admin: { listen: \"0.0.0.0:9000\", token: abc }\n" + VALID, Map.of())
                            .admin()
                            .token());
        }
    }

    @Nested
    class References {
        @Test
        void aDanglingRouteBackend() {
            assertProblems(
                    """
                    frontends:
                      - name: www
                        bind: 127.0.0.1:8080
                        default_backend: web
                        routes:
                          - { path_prefix: /api/, backend: ap }
                    backends:
                      - name: web
                      - name: app
                    """,
                    "t.yaml:6:40: frontends.www.routes[0].backend: backend 'ap' is not defined; did you mean 'app'?");
        }

        @Test
        void aBackendInAnotherMode() {
            assertProblems(
                    """
                    frontends:
                      - name: www
                        bind: 127.0.0.1:8080
                        default_backend: db
                    backends:
                      - name: db
                        mode: tcp
                    """,
                    "t.yaml:4:22: frontends.www.default_backend: backend 'db' is in tcp mode but frontend 'www' is in http mode");
        }

        @Test
        void routesNeedHttpMode() {
            assertProblems("""
                    frontends:
                      - name: db
                        mode: tcp
                        bind: 127.0.0.1:3306
                        default_backend: db
                        routes:
                          - { host: a.example, backend: db }
                    backends:
                      - { name: db, mode: tcp }
                    """, "t.yaml:6:5: frontends.db.routes: routes need mode http; this frontend is in tcp mode");
        }

        @Test
        void aRouteNeedsHostOrPathPrefix() {
            assertProblems(
                    """
                    frontends:
                      - name: www
                        bind: 127.0.0.1:8080
                        default_backend: web
                        routes:
                          - { backend: web }
                          - { path_prefix: api, backend: web }
                    backends:
                      - name: web
                    """,
                    "t.yaml:6:9: frontends.www.routes[0]: a route needs a condition: host, path_prefix, path_regex, methods, headers, query or source",
                    "t.yaml:7:24: frontends.www.routes[1].path_prefix: 'api' must start with /");
        }

        @Test
        void aBrokenBackendIsStillDefinedForReferences() {
            assertProblems(
                    """
                    frontends:
                      - name: www
                        bind: 127.0.0.1:8080
                        default_backend: web
                    backends:
                      - name: web
                        balance: fastest
                    """,
                    "t.yaml:7:14: backends.web.balance: 'fastest' is not one of roundrobin, leastconn, random, source");
        }
    }

    @Nested
    class ProxyProtocolAndHttps {
        @Test
        void acceptProxyAndSendProxyLoad() throws Exception {
            TandemConfig c = load("""
                    frontends:
                      - name: www
                        bind: 0.0.0.0:443
                        default_backend: web
                        accept_proxy: true
                    backends:
                      - name: web
                        send_proxy: v2
                        health_check: { type: http }
                      - name: db
                        mode: tcp
                        send_proxy: v1
                        health_check: { send_proxy: none }
                    """, Map.of());
            assertTrue(c.loadBalancer().frontend("www").acceptProxy());
            BackendConfig web = c.loadBalancer().backend("web");
            assertEquals(SendProxy.V2, web.sendProxy());
            assertEquals(SendProxy.V2, web.healthCheck().sendProxy(), "a check sends what the backend sends");
            BackendConfig db = c.loadBalancer().backend("db");
            assertEquals(SendProxy.V1, db.sendProxy());
            assertEquals(SendProxy.NONE, db.healthCheck().sendProxy(), "unless it says otherwise");
            assertFalse(load(VALID, Map.of()).loadBalancer().frontend("www").acceptProxy());
            assertEquals(
                    SendProxy.NONE,
                    load(VALID, Map.of()).loadBalancer().backend("web").sendProxy());
        }

        @Test
        void sendProxyIsNoneV1OrV2() {
            assertProblems(
                    """
                    backends:
                      - name: web
                        send_proxy: v3
                        health_check: { send_proxy: yes }
                    """,
                    "t.yaml:3:17: backends.web.send_proxy: 'v3' is not one of none, v1, v2; did you mean 'v1'?",
                    "t.yaml:4:33: backends.web.health_check.send_proxy: 'yes' is not one of none, v1, v2");
        }

        @Test
        void redirectHttpsWithItsPortLoads() throws Exception {
            TandemConfig c = load("""
                    frontends:
                      - name: www
                        bind: 0.0.0.0:80
                        default_backend: web
                        redirect_https: true
                        redirect_https_port: 8443
                    backends:
                      - name: web
                    """, Map.of());
            FrontendConfig f = c.loadBalancer().frontend("www");
            assertTrue(f.redirectHttps());
            assertEquals(8443, f.redirectHttpsPort());
            assertNull(f.hsts());
        }

        @Test
        void hstsNeedsTls() {
            assertProblems("""
                    frontends:
                      - name: www
                        bind: 0.0.0.0:80
                        default_backend: web
                        hsts: 1y
                    backends:
                      - name: web
                    """, "t.yaml:5:5: frontends.www.hsts: hsts needs tls on this frontend");
            // With tls, only its own problem (no certificate) is reported: hsts is accepted.
            assertProblems("""
                    frontends:
                      - name: www
                        bind: 0.0.0.0:443
                        default_backend: web
                        tls: { certificates: [] }
                        hsts: 1y
                    backends:
                      - name: web
                    """, "t.yaml:5:26: frontends.www.tls.certificates: needs at least one certificate");
        }

        @Test
        void redirectAndHstsRules() {
            assertProblems(
                    """
                    frontends:
                      - name: db
                        mode: tcp
                        bind: 0.0.0.0:3306
                        default_backend: db
                        redirect_https: true
                        hsts: soon
                      - name: www
                        bind: 0.0.0.0:80
                        default_backend: web
                        redirect_https_port: 0
                        tls: { certificates: [] }
                      - name: www2
                        bind: 0.0.0.0:81
                        default_backend: web
                        redirect_https: true
                        redirect_https_port: 443
                        tls: { certificates: [] }
                      - name: www3
                        bind: 0.0.0.0:82
                        default_backend: web
                        redirect_https: false
                        redirect_https_port: 443
                    backends:
                      - { name: db, mode: tcp }
                      - name: web
                    """,
                    "t.yaml:6:5: frontends.db.redirect_https: redirect_https needs mode http; this frontend is in tcp mode",
                    "t.yaml:7:5: frontends.db.hsts: hsts needs mode http; this frontend is in tcp mode",
                    "t.yaml:7:11: frontends.db.hsts: 'soon' is not a lifetime like 1y, 180d or 12h",
                    "t.yaml:11:26: frontends.www.redirect_https_port: 0 is out of range: use 1 to 65535",
                    "t.yaml:12:26: frontends.www.tls.certificates: needs at least one certificate",
                    "t.yaml:16:5: frontends.www2.redirect_https: redirect_https is for a cleartext frontend; this one has tls",
                    "t.yaml:18:26: frontends.www2.tls.certificates: needs at least one certificate",
                    "t.yaml:23:5: frontends.www3.redirect_https_port: redirect_https_port needs redirect_https: true");
        }
    }

    @Nested
    class HealthChecks {
        @Test
        void anHttpKeyOnATcpCheck() {
            assertProblems(
                    """
                    backends:
                      - name: web
                        health_check: { type: tcp, path: /health }
                    """,
                    "t.yaml:3:32: backends.web.health_check: 'path' is for type http checks; this check's type is tcp");
        }

        @Test
        void anHttpKeyWithTheInheritedTypeTcp() {
            assertProblems(
                    """
                    defaults:
                      health_check: { interval: 1s }
                    backends:
                      - name: web
                        health_check:
                          user: check
                    """,
                    "t.yaml:6:7: backends.web.health_check: 'user' is for type mysql checks; this check's type is tcp");
        }

        @Test
        void inheritedKeysOfAnotherTypeAreIgnored() throws Exception {
            TandemConfig c = load("""
                    defaults:
                      health_check: { type: http, path: /health, interval: 1s, fall: 5 }
                    backends:
                      - name: web
                      - name: db
                        mode: tcp
                        health_check: { type: mysql, user: check }
                      - name: quiet
                        health_check: { type: none }
                    """, Map.of());
            HealthCheckConfig web = c.loadBalancer().backend("web").healthCheck();
            assertEquals(HealthCheckConfig.Type.HTTP, web.type());
            assertEquals("/health", web.path());
            HealthCheckConfig db = c.loadBalancer().backend("db").healthCheck();
            assertEquals(HealthCheckConfig.Type.MYSQL, db.type());
            assertEquals("check", db.user());
            assertEquals(Duration.ofSeconds(1), db.interval());
            assertEquals(5, db.fall());
            assertNull(c.loadBalancer().backend("quiet").healthCheck());
        }

        @Test
        void riseMustBePositiveAndMethodUpperCase() {
            assertProblems(
                    """
                    backends:
                      - name: web
                        health_check: { type: http, rise: 0, method: get }
                    """,
                    "t.yaml:3:39: backends.web.health_check.rise: 0 is out of range: use 1 or more",
                    "t.yaml:3:50: backends.web.health_check.method: 'get' is not an HTTP method: write it in upper case, such as GET or HEAD");
        }
    }

    @Nested
    class Cluster {
        private static final String CLUSTER = """
                cluster:
                  bind: 10.0.0.11:7800
                  peers: [10.0.0.11:7800, 10.0.0.12:7800]
                """;

        @Test
        void aMissingSecret() {
            assertProblems(
                    VALID + CLUSTER,
                    "t.yaml:10:3: cluster: 'secret' is required (it authenticates and encrypts cluster traffic)");
        }

        @Test
        void anEmptySecretAfterSubstitution() {
            assertProblems(
                    VALID + CLUSTER + "  secret: ${SECRET:-}\n",
                    "t.yaml:12:11: cluster.secret: is empty: cluster.secret is required (it authenticates and encrypts cluster traffic)");
        }

        @Test
        void defaults() throws Exception {
            ClusterConfig c = load(VALID + CLUSTER + "  secret: s\n", Map.of()).cluster();
            assertEquals("tandem", c.name());
            assertEquals(100, c.priority());
            assertEquals(false, c.preempt());
            assertNull(c.tiebreaker());
            assertEquals(List.of(), c.vips());
        }

        @Test
        void priorityAndVips() {
            assertProblems(
                    VALID + CLUSTER + """
                      secret: s
                      priority: 256
                      vips:
                        - { address: 203.0.113.10, interface: eth0 }
                        - { address: 203.0.113.300/24, interface: eth0 }
                        - { address: 203.0.113.11/33, interface: eth0 }
                        - { address: 203.0.113.12/32 }
                        - { address: "2001:db8::10/64", driver: bind }
                        - { address: 203.0.113.13/32, driver: linx }
                    """,
                    "t.yaml:13:13: cluster.priority: 256 is out of range: use 0 to 255",
                    "t.yaml:15:18: cluster.vips[0].address: '203.0.113.10' needs a prefix length, such as 203.0.113.10/24",
                    "t.yaml:16:18: cluster.vips[1].address: '203.0.113.300/24' is not an IPv4 or IPv6 address with a prefix length, such as 203.0.113.10/24",
                    "t.yaml:17:18: cluster.vips[2].address: '203.0.113.11/33' has a bad prefix length: use 0 to 32",
                    "t.yaml:18:7: cluster.vips[3]: 'interface' is required (the linux driver adds the VIP to it)",
                    "t.yaml:20:43: cluster.vips[5].driver: 'linx' is not one of linux, bind, script, bgp; did you mean 'linux'?");
        }

        @Test
        void ipv6Vips() {
            assertProblems(
                    VALID + CLUSTER + """
                      secret: s
                      vips:
                        - { address: "2001:db8::10/64", interface: eth0 }
                        - { address: "2001:DB8:0::10/128", interface: eth0 }
                        - { address: "2001:db8::11/129", interface: eth0 }
                        - { address: "fe80::10/64", interface: eth0 }
                        - { address: "ff02::10/128", interface: eth0 }
                        - { address: "::ffff:203.0.113.10/120", interface: eth0 }
                        - { address: "[2001:db8::12]/64", interface: eth0 }
                    """,
                    "t.yaml:15:18: cluster.vips[1].address: VIP 2001:DB8:0::10/128 is already listed at line 14",
                    "t.yaml:16:18: cluster.vips[2].address: '2001:db8::11/129' has a bad prefix length: use 0 to 128",
                    "t.yaml:17:18: cluster.vips[3].address: 'fe80::10/64' is a link-local address: a VIP is a global or "
                            + "unique-local unicast address, such as 2001:db8::10/64",
                    "t.yaml:18:18: cluster.vips[4].address: 'ff02::10/128' is a multicast address: a VIP is a global or "
                            + "unique-local unicast address, such as 2001:db8::10/64",
                    "t.yaml:19:18: cluster.vips[5].address: '::ffff:203.0.113.10/120' is an IPv4-mapped IPv6 address: "
                            + "write the IPv4 address, such as 203.0.113.10/24",
                    "t.yaml:20:18: cluster.vips[6].address: '[2001:db8::12]/64' is not an IPv4 or IPv6 address with a "
                            + "prefix length, such as 203.0.113.10/24");
        }

        @Test
        void anEmptyClusterSection() {
            assertProblems(
                    VALID + "cluster:\n",
                    "t.yaml:9:1: cluster: is empty: set at least bind, peers and secret, or remove it to run solo");
        }
    }

    @Test
    void aYamlSyntaxErrorIsOneProblemOnOneLine() {
        assertProblems(
                """
                backends:
                  - name: web
                    servers: [ { name: web1, address: 10.0.0.1:80 }
                frontends: []
                """,
                "t.yaml:3:52: YAML syntax error: expected ',' or ']', but got <scalar> "
                        + "(while parsing a flow sequence started at line 3)");
    }

    @Test
    void loadReadsAFileAndNamesIt(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("tandem.yaml");
        Files.writeString(good, VALID);
        assertEquals(
                "web",
                ConfigLoader.load(good, Map.of()).loadBalancer().frontend("www").defaultBackend());

        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, VALID + "bogus: 1\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(bad, Map.of()));
        assertEquals(bad + ":9:1: unknown key 'bogus'", e.getMessage());

        Path latin1 = dir.resolve("latin1.yaml");
        Files.write(latin1, new byte[] {'n', 'o', 'd', 'e', ':', ' ', (byte) 0xE9, '\n'});
        e = assertThrows(ConfigException.class, () -> ConfigLoader.load(latin1, Map.of()));
        assertEquals(latin1 + ":1:1: the file is not valid UTF-8", e.getMessage());
    }

    @Test
    void theDefaultNodeNameNeverResolvesTheHost() {
        assertEquals("lb9", ConfigLoader.defaultNodeName(Map.of("HOSTNAME", "lb9")));
        assertEquals("tandem", ConfigLoader.defaultNodeName(Map.of("HOSTNAME", "not a name")));
    }
}
