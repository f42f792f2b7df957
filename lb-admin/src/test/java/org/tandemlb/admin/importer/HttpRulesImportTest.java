package org.tandemlb.admin.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.admin.config.TandemConfig;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.HeaderRule;
import org.tandemlb.core.config.RouteConfig;

/**
 * {@code http-request}/{@code http-response} header rules, {@code http-request deny} and
 * {@code redirect}, {@code errorfile} and the ACLs they use, imported and read back through the
 * real config loader; and each such line Tandem cannot say, noted with its line.
 */
class HttpRulesImportTest {

    @TempDir
    Path dir;

    private Importer.Result importText(String haproxy) throws Exception {
        return Importer.run(Files.writeString(dir.resolve("haproxy.cfg"), haproxy), null);
    }

    private Path page(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content);
    }

    private static String note(Importer.Result r, int line) {
        return r.notes().stream()
                .filter(n -> n.contains("haproxy.cfg:" + line + ": "))
                .findFirst()
                .orElse(null);
    }

    @Test
    void headerRulesDenyRedirectAndErrorPagesTranslate() throws Exception {
        Path p503 =
                page("503.http", "HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/html\r\n\r\n<h1>503</h1>\n");
        Path p403 = page("403.html", "<h1>Forbidden</h1>\n");
        Path p502 = page("502.http", "HTTP/1.1 502 Bad Gateway\r\n\r\nbad\n");
        Importer.Result r = importText("""
                defaults
                    mode http
                    timeout connect 5s
                    timeout client 30s
                    timeout server 30s
                    errorfile 503 %s
                frontend www
                    bind 127.0.0.1:8080
                    acl old hdr(host) -i old.example.com
                    acl secret path_reg \\.(git|env)(/|$)
                    redirect location /maintenance.html if { path_beg /shop/ }
                    http-request deny deny_status 404 if secret
                    http-request deny if { path_beg -i /Private }
                    http-request redirect location https://www.example.com/ code 301 if old
                    http-request redirect prefix https://new.example.com drop-query if { hdr(host) moved.example.com }
                    http-request set-header X-Client %%[src]
                    http-request add-header X-Via "tandem %%%%1"
                    http-request del-header X-Debug
                    http-request del-header X-Forwarded-For
                    http-response del-header Server
                    http-response set-header X-Served-By %%f/%%s
                    errorfile 403 %s
                    use_backend api if { path_reg ^/api/v[0-9]+/ }
                    default_backend web
                backend web
                    http-request set-header Host www.internal
                    http-response add-header X-Backend web
                    errorfile 502 %s
                    server w1 127.0.0.1:9001
                backend api
                    server a1 127.0.0.1:9002
                """.formatted(p503, p403, p502));
        TandemConfig c = ConfigLoader.parse("tandem.yaml", r.yaml(), Map.of());
        assertEquals(
                List.of(
                        "haproxy.cfg:6: errorfile 503 " + p503
                                + " -- Tandem's defaults have no HTTP rules or error pages: each http frontend that"
                                + " inherits this line has it",
                        "haproxy.cfg:19: http-request del-header X-Forwarded-For -- Tandem appends the client address"
                                + " to X-Forwarded-For after its rules: set to {client_ip}, it holds the client address"
                                + " alone, as HAProxy's forwardfor after this line"),
                r.notes().stream()
                        .map(n -> n.substring(n.indexOf("haproxy.cfg:")))
                        .toList());

        FrontendConfig www = c.loadBalancer().frontends().get(0);
        List<RouteConfig> routes = www.routes();
        assertEquals(6, routes.size(), r.yaml());
        // http-request rules in order, then the redirect keyword, then use_backend, as HAProxy runs them.
        assertEquals("\\.(git|env)(/|$)", routes.get(0).pathRegex().toString());
        assertEquals(404, routes.get(0).denyStatus());
        assertTrue(routes.get(1).pathRegex().pattern().matcher("/private/x").find(), "-i: without case");
        assertTrue(routes.get(1).pathRegex().pattern().matcher("/PRIVATE").find());
        assertFalse(routes.get(1).pathRegex().pattern().matcher("/x/private").find(), "a prefix still");
        assertEquals(403, routes.get(1).denyStatus());
        assertEquals("old.example.com", routes.get(2).host());
        assertEquals(
                new RouteConfig.Redirect(301, "https://www.example.com/", false),
                routes.get(2).redirect());
        assertEquals("moved.example.com", routes.get(3).host());
        assertEquals(
                new RouteConfig.Redirect(302, "https://new.example.com{path}", true),
                routes.get(3).redirect());
        assertEquals("/shop/", routes.get(4).pathPrefix());
        assertEquals(
                new RouteConfig.Redirect(302, "/maintenance.html", false),
                routes.get(4).redirect());
        assertEquals("^/api/v[0-9]+/", routes.get(5).pathRegex().toString());
        assertEquals("api", routes.get(5).backend());

        assertEquals(
                List.of(
                        new HeaderRule(HeaderRule.Op.SET, "X-Client", "{client_ip}"),
                        new HeaderRule(HeaderRule.Op.ADD, "X-Via", "tandem %1"),
                        new HeaderRule(HeaderRule.Op.DELETE, "X-Debug", null),
                        new HeaderRule(HeaderRule.Op.SET, "X-Forwarded-For", "{client_ip}")),
                www.rules().requestHeaders());
        assertEquals(
                List.of(
                        new HeaderRule(HeaderRule.Op.DELETE, "Server", null),
                        new HeaderRule(HeaderRule.Op.SET, "X-Served-By", "{frontend}/{server}")),
                www.rules().responseHeaders());
        assertEquals(Set.of(403, 503), www.rules().errorPages().keySet(), "its own and the inherited one");
        assertEquals(p503.toString(), www.rules().errorPages().get(503).source());

        BackendConfig web = c.loadBalancer().backends().stream()
                .filter(b -> b.name().equals("web"))
                .findFirst()
                .orElseThrow();
        assertEquals(
                List.of(new HeaderRule(HeaderRule.Op.SET, "Host", "www.internal")),
                web.rules().requestHeaders());
        assertEquals(
                List.of(new HeaderRule(HeaderRule.Op.ADD, "X-Backend", "web")),
                web.rules().responseHeaders());
        assertEquals(Set.of(502), web.rules().errorPages().keySet(), "its own only: the frontend has the defaults'");
    }

    @Test
    void whatTandemCannotSayIsNotedWithItsLineAndLeftOut() throws Exception {
        Path p503 = page("503.http", "HTTP/1.0 503 Service Unavailable\r\n\r\ndown\n");
        Importer.Result r = importText("""
                defaults
                    mode http
                    timeout connect 5s
                    timeout client 30s
                    timeout server 30s
                frontend www
                    bind 127.0.0.1:8080
                    acl office src 10.0.0.0/8
                    http-request deny if { path_beg /admin } !office
                    http-request deny unless office
                    http-request set-header X-Start t=%%Ts
                    http-request set-header X-Forwarded-Proto https if { ssl_fc }
                    http-request set-header X-Tls 1 if { ssl_fc }
                    http-request set-header X-Brace {x}
                    http-request set-path /x
                    http-request redirect location /%%[path] if { path_beg /old }
                    http-request deny deny_status 200 if { path_beg /x }
                    errorfile 404 %s
                    errorfile 503 %s
                    http-response set-header Content-Length 0
                    use_backend api if office { src 192.168.0.0/16 }
                    default_backend web
                backend web
                    http-request deny if { path_beg /x }
                    http-request redirect scheme https
                    server w1 127.0.0.1:9001
                backend api
                    server a1 127.0.0.1:9002
                listen db
                    mode tcp
                    bind 127.0.0.1:3307
                    http-request set-header X 1
                    errorfile 503 %s
                    server d1 127.0.0.1:3306
                """.formatted(p503, dir.resolve("missing.http"), p503));
        TandemConfig c = ConfigLoader.parse("tandem.yaml", r.yaml(), Map.of());
        FrontendConfig www = c.loadBalancer().frontends().get(0);
        assertEquals(List.of(), www.routes(), r.yaml());
        assertTrue(www.rules().isEmpty(), r.yaml());
        assertTrue(c.loadBalancer().backends().stream().allMatch(b -> b.rules().isEmpty()), r.yaml());

        assertTrue(note(r, 9).endsWith("not a route: '!office': a negated condition"), note(r, 9));
        assertTrue(note(r, 10).endsWith("not a route: 'unless': a negated condition"), note(r, 10));
        assertTrue(note(r, 11).contains("the log-format variable %Ts has no Tandem placeholder"), note(r, 11));
        assertTrue(note(r, 12).endsWith("Tandem sets X-Forwarded-Proto itself on every request (docs/behaviour.md)"));
        assertTrue(note(r, 13)
                .endsWith("a header rule with a condition (if { ssl_fc }): Tandem's apply to every request"));
        assertTrue(note(r, 14).endsWith("a value with braces: Tandem reads {NAME} as a placeholder"));
        assertTrue(note(r, 15).contains("Tandem's HTTP rules are set, add and delete of headers"), note(r, 15));
        assertTrue(note(r, 16).contains("a location computed per request"), note(r, 16));
        assertTrue(note(r, 17).contains("deny status 200"), note(r, 17));
        assertTrue(note(r, 18).contains("Tandem never answers 404 itself"), note(r, 18));
        assertTrue(note(r, 19).contains("missing.http") && note(r, 19).contains("add it under error_pages"));
        assertTrue(note(r, 20).contains("Content-Length"), note(r, 20));
        assertTrue(
                note(r, 21).contains("two different src conditions in AND (10.0.0.0/8 and 192.168.0.0/16)"),
                note(r, 21));
        assertTrue(note(r, 24).contains("a deny in a backend"), note(r, 24));
        assertTrue(note(r, 25).contains("a redirect in a backend"), note(r, 25));
        assertTrue(note(r, 32).contains("need mode http; this frontend is in mode tcp"), note(r, 32));
        assertTrue(note(r, 33).contains("need mode http; this frontend is in mode tcp"), note(r, 33));
        TreeSet<Integer> lines = new TreeSet<>();
        r.notes().forEach(n -> lines.add(Integer.parseInt(n.replaceFirst(".*haproxy\\.cfg:(\\d+): .*", "$1"))));
        assertEquals(
                new TreeSet<>(List.of(9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 24, 25, 32, 33)),
                lines,
                "nothing else is noted: " + r.notes());
        assertNull(note(r, 8), "the acl itself is only read");
    }

    @Test
    void aPathExpressionKeepsItsBackslashesAndCombinesWithAnother() throws Exception {
        Importer.Result r = importText("""
                frontend www
                    mode http
                    bind 127.0.0.1:8080
                    acl img path_reg \\.(png|jpe?g)$
                    acl v2 path_reg ^/v2/
                    acl dl path_reg /download/\\d+
                    use_backend images if img v2
                    use_backend images if img dl
                    default_backend web
                backend web
                    mode http
                    server w1 127.0.0.1:9001
                backend images
                    mode http
                    server i1 127.0.0.1:9002
                """);
        TandemConfig c = ConfigLoader.parse("tandem.yaml", r.yaml(), Map.of());
        List<RouteConfig> routes = c.loadBalancer().frontends().get(0).routes();
        assertEquals("/v2/", routes.get(0).pathPrefix(), "an anchored literal: a prefix");
        assertEquals("\\.(png|jpe?g)$", routes.get(0).pathRegex().toString());
        RouteConfig both = routes.get(1);
        assertTrue(
                both.pathRegex().pattern().matcher("/download/42/a.png").find(),
                both.pathRegex().toString());
        assertFalse(both.pathRegex().pattern().matcher("/download/x/a.png").find());
        assertFalse(both.pathRegex().pattern().matcher("/download/42/a.gif").find());
    }
}
