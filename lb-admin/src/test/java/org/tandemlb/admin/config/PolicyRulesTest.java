package org.tandemlb.admin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Cidr;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.HeaderRule;
import org.tandemlb.core.config.RouteConfig;

/**
 * Routes (conditions, redirect, deny, allow_from), header rules, request_id and error_pages as
 * the YAML writes them, each problem as {@code tandem check} prints it.
 */
class PolicyRulesTest {
    @TempDir
    Path dir;

    private static TandemConfig load(String yaml) throws ConfigException {
        return ConfigLoader.parse("t.yaml", yaml, Map.of());
    }

    private static List<String> problems(String yaml) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(yaml));
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void everyRouteConditionAndActionLoads() throws Exception {
        FrontendConfig f = load("""
                frontends:
                  - name: www
                    bind: 127.0.0.1:8080
                    default_backend: web
                    routes:
                      - path_prefix: /admin
                        allow_from: [10.0.0.0/8, "2001:db8::/32"]
                        backend: web
                      - methods: [post, PUT]
                        path_regex: '^/api/v[0-9]+/'
                        headers:
                          - { name: X-Canary, exact: "1" }
                          - { name: User-Agent, prefix: curl/ }
                          - { name: X-Debug, present: true }
                        query:
                          - { name: preview }
                          - { name: v, value: "2" }
                        backend: web
                      - host: old.example.com
                        redirect: { location: "https://new.example.com{path}", code: 301, strip_query: true }
                      - path_prefix: /private
                        deny: true
                      - path_prefix: /busy
                        deny: 429
                backends:
                  - name: web
                    servers: [{ name: web1, address: 10.0.0.1:80 }]
                """).loadBalancer().frontend("www");
        List<RouteConfig> r = f.routes();
        assertEquals(
                List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("2001:db8::/32")),
                r.get(0).allowFrom());
        assertEquals(List.of("POST", "PUT"), r.get(1).methods());
        assertEquals("^/api/v[0-9]+/", r.get(1).pathRegex().toString());
        assertEquals(
                List.of(
                        new RouteConfig.HeaderMatch("X-Canary", RouteConfig.HeaderMatch.Kind.EXACT, "1"),
                        new RouteConfig.HeaderMatch("User-Agent", RouteConfig.HeaderMatch.Kind.PREFIX, "curl/"),
                        new RouteConfig.HeaderMatch("X-Debug", RouteConfig.HeaderMatch.Kind.PRESENT, null)),
                r.get(1).headers());
        assertEquals(
                List.of(new RouteConfig.QueryMatch("preview", null), new RouteConfig.QueryMatch("v", "2")),
                r.get(1).query());
        assertEquals(
                new RouteConfig.Redirect(301, "https://new.example.com{path}", true),
                r.get(2).redirect());
        assertEquals(403, r.get(3).denyStatus());
        assertEquals(429, r.get(4).denyStatus());
    }

    @Test
    void aSourceIsAConditionOfItsOwn() throws Exception {
        List<RouteConfig> r = load("""
                        frontends:
                          - name: www
                            bind: 127.0.0.1:8080
                            default_backend: web
                            routes:
                              - source: [10.0.0.0/8, 192.168.1.5, "2001:db8::/32"]
                                backend: office
                              - host: admin.example.com
                                source: [127.0.0.2]
                                backend: web
                        backends:
                          - name: web
                            servers: [{ name: web1, address: 10.0.0.1:80 }]
                          - name: office
                            servers: [{ name: office1, address: 10.0.0.2:80 }]
                        """).loadBalancer().frontend("www").routes();
        assertEquals(
                List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("192.168.1.5"), Cidr.parse("2001:db8::/32")),
                r.get(0).sources());
        assertEquals(List.of(), r.get(0).allowFrom(), "a source is no allow_from");
        assertEquals("admin.example.com", r.get(1).host());
        assertEquals(List.of(Cidr.parse("127.0.0.2")), r.get(1).sources());
    }

    @Test
    void sourceMistakesNameTheKeyAndTheNetwork() {
        assertEquals(
                List.of(
                        "t.yaml:7:30: frontends.www.routes[0].source[1]: '10.1.2.3/8' has bits set past its prefix /8 (did you mean 10.0.0.0/8?)",
                        "t.yaml:9:18: frontends.www.routes[1].source[0]: 'office' is not an IPv4 or IPv6 address or network (CIDR)",
                        "t.yaml:11:17: frontends.www.routes[2].source: needs at least one network (CIDR)",
                        "t.yaml:14:18: frontends.www.routes[3].source[0]: '10.0.0.0/33': the prefix length must be at most 32"),
                problems("""
                        frontends:
                          - name: www
                            bind: 127.0.0.1:8080
                            default_backend: web
                            routes:
                              - path_prefix: /a
                                source: [10.0.0.0/8, 10.1.2.3/8]
                                backend: web
                              - source: [office]
                                backend: web
                              - source: []
                                backend: web
                              - path_prefix: /d
                                source: [10.0.0.0/33]
                                backend: web
                        backends:
                          - name: web
                            servers: [{ name: web1, address: 10.0.0.1:80 }]
                        """));
    }

    @Test
    void headerRulesRequestIdAndErrorPagesLoad() throws Exception {
        Path page = Files.writeString(dir.resolve("503.html"), "<h1>Back soon</h1>\n");
        TandemConfig c = load("""
                frontends:
                  - name: www
                    bind: 127.0.0.1:8080
                    default_backend: web
                    request_id: X-Request-Id
                    request_headers:
                      - set: X-Client-IP
                        value: "{client_ip}"
                      - delete: X-Debug
                    response_headers:
                      - add: X-Served-By
                        value: "{server}"
                backends:
                  - name: web
                    error_pages: { 503: %s }
                    request_headers:
                      - set: Host
                        value: internal.example.com
                    servers: [{ name: web1, address: 10.0.0.1:80 }]
                """.formatted(page));
        FrontendConfig f = c.loadBalancer().frontend("www");
        assertEquals("X-Request-Id", f.rules().requestId());
        assertEquals(
                List.of(
                        new HeaderRule(HeaderRule.Op.SET, "X-Client-IP", "{client_ip}"),
                        new HeaderRule(HeaderRule.Op.DELETE, "X-Debug", null)),
                f.rules().requestHeaders());
        assertEquals(
                List.of(new HeaderRule(HeaderRule.Op.ADD, "X-Served-By", "{server}")),
                f.rules().responseHeaders());
        BackendConfig b = c.loadBalancer().backend("web");
        assertEquals(
                "<h1>Back soon</h1>\n",
                new String(b.rules().errorPages().get(503).body()));
        assertEquals("internal.example.com", b.rules().requestHeaders().get(0).value());
    }

    @Test
    void routeMistakesAreReportedAtTheirLine() {
        assertEquals(
                List.of(
                        "t.yaml:7:34: frontends.www.routes[0].allow_from[1]: '10.1.2.3/8' has bits set past its prefix /8 (did you mean 10.0.0.0/8?)",
                        "t.yaml:9:21: frontends.www.routes[1].path_regex: path_regex is not a valid Java regular expression: Unclosed group near index 4",
                        "t.yaml:11:9: frontends.www.routes[2]: a route takes one of backend, redirect or deny, not backend and deny",
                        "t.yaml:15:41: frontends.www.routes[3].redirect.code: redirect code 304 must be 301, 302, 303, 307 or 308",
                        "t.yaml:17:15: frontends.www.routes[4].deny: deny status 200 must be within 400-599",
                        "t.yaml:19:31: frontends.www.routes[5].redirect.location: unknown placeholder {uri} in location; the placeholders are {scheme}, {host}, {path}",
                        "t.yaml:20:9: frontends.www.routes[6]: a route needs backend, redirect or deny"),
                problems("""
                        frontends:
                          - name: www
                            bind: 127.0.0.1:8080
                            default_backend: web
                            routes:
                              - path_prefix: /a
                                allow_from: [10.0.0.0/8, 10.1.2.3/8]
                                backend: web
                              - path_regex: '(a|b'
                                backend: web
                              - path_prefix: /c
                                backend: web
                                deny: true
                              - path_prefix: /d
                                redirect: { location: /x, code: 304 }
                              - host: e
                                deny: 200
                              - host: f
                                redirect: { location: "/{uri}" }
                              - host: g
                        backends:
                          - name: web
                            servers: [{ name: web1, address: 10.0.0.1:80 }]
                        """));
    }

    @Test
    void ruleMistakesAndBadErrorPagesAreReportedAtTheirLine() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.http"), "HTTP/1.1 503 Down\r\nno colon\r\n\r\n");
        Path missing = dir.resolve("missing.html");
        List<String> got = problems("""
                frontends:
                  - name: www
                    bind: 127.0.0.1:8080
                    default_backend: web
                    request_headers:
                      - set: Content-Length
                        value: "0"
                      - add: X-Trace
                        value: "{clientip}"
                    response_headers:
                      - set: Host
                        value: a
                    error_pages:
                      503: %s
                      502: %s
                      404: x.html
                backends:
                  - name: web
                    request_id: X-Request-Id
                    servers: [{ name: web1, address: 10.0.0.1:80 }]
                """.formatted(bad, missing));
        assertEquals(
                List.of(
                        "t.yaml:6:14: frontends.www.request_headers[0].set: Content-Length is a framing or connection header that Tandem writes itself: rules cannot change it",
                        "t.yaml:9:16: frontends.www.request_headers[1].value: unknown placeholder {clientip} in '{clientip}'; the placeholders are {client_ip}, {request_id}, {frontend}, {server}, {tls_version}",
                        "t.yaml:11:14: frontends.www.response_headers[0].set: Host is a request header: response rules cannot change it",
                        "t.yaml:14:12: frontends.www.error_pages.503: " + bad + " line 2: expected 'Name: value'",
                        "t.yaml:15:12: frontends.www.error_pages.502: cannot read " + missing + ": NoSuchFileException "
                                + missing,
                        "t.yaml:16:7: frontends.www.error_pages: unknown key '404'; did you mean '400'?",
                        "t.yaml:19:5: backends.web.request_id: request_id is a frontend setting: the id is made where the request arrives"),
                got);
    }
}
