package org.tandemlb.admin.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.tandemlb.admin.importer.AclRoutes.Match;

/** HAProxy conditions as Tandem routes, and the ones routes cannot say. */
class AclRoutesTest {

    private static AclRoutes acls(String... lines) {
        AclRoutes acls = new AclRoutes();
        for (int i = 0; i < lines.length; i++) {
            acls.define(new Directive("h.cfg", i + 1, HaproxyReader.words(lines[i]), lines[i]));
        }
        return acls;
    }

    private static AclRoutes.Result cond(AclRoutes acls, String condition) {
        return acls.condition(HaproxyReader.words(condition));
    }

    @Test
    void hostsAndPrefixesCombineWithAndAndOr() {
        AclRoutes acls = acls(
                "acl api hdr(host) -i API.example.com api2.example.com",
                "acl v1 path_beg /v1/",
                "acl v1 path_reg ^/legacy/.*",
                "acl www hdr(host) -i www.example.com");
        assertEquals(
                List.of(
                        new Match("api.example.com", "/v1/", null), new Match("api.example.com", "/legacy/", null),
                        new Match("api2.example.com", "/v1/", null), new Match("api2.example.com", "/legacy/", null)),
                cond(acls, "if api v1").matches());
        assertEquals(
                List.of(
                        new Match("www.example.com", null, null),
                        new Match(null, "/v1/", null),
                        new Match(null, "/legacy/", null)),
                cond(acls, "if www || v1").matches());
        assertEquals(
                List.of(new Match(null, "/img", null)),
                cond(acls, "if { path_beg /img }").matches());
        // Two different hosts at once: no request has both, so no route.
        assertTrue(cond(acls, "if api www").failure().contains("no request"));
    }

    @Test
    void whatRoutesCannotSayFailsWithTheReason() {
        AclRoutes acls =
                acls("acl lan src 10.0.0.0/8", "acl img hdr_beg(host) -i img", "acl files path_beg -f /etc/paths");
        assertTrue(cond(acls, "if img").failure().contains("whole host names"));
        assertTrue(cond(acls, "if files").failure().contains("from a file"));
        assertTrue(cond(acls, "if !lan").failure().contains("negated"));
        assertTrue(cond(acls, "unless lan").failure().contains("negated"));
        assertTrue(cond(acls, "if nosuch").failure().contains("not defined"));
        assertTrue(cond(acls, "if { path_reg ^/a(b|c }").failure().contains("not one Java reads"));
        assertTrue(cond(acls, "if { hdr(host) www.example.com:8080 }").failure().contains("port"));
    }

    @Test
    void srcIsARouteSourceAndedWithTheRest() {
        AclRoutes acls = acls(
                "acl office src 10.0.0.0/8 192.168.1.5",
                "acl office src 2001:db8::/32",
                "acl lab src -m ip 172.16.0.0/255.240.0.0",
                "acl api hdr(host) -i api.example.com www.example.com",
                "acl admin path_beg /admin");
        List<String> office = List.of("10.0.0.0/8", "192.168.1.5", "2001:db8::/32");
        assertEquals(
                List.of(new Match(null, null, null, office)),
                cond(acls, "if office").matches(),
                "the values and lines of one acl are one route's networks");
        assertEquals(
                List.of(new Match(
                        null, null, null, List.of("10.0.0.0/8", "192.168.1.5", "2001:db8::/32", "172.16.0.0/12"))),
                cond(acls, "if office or lab").matches(),
                "an OR of networks alone is one route; a dotted mask is a prefix length");
        assertEquals(
                List.of(
                        new Match("api.example.com", "/admin", null, office),
                        new Match("www.example.com", "/admin", null, office)),
                cond(acls, "if api office admin").matches());
        assertEquals(
                List.of(new Match(null, "/admin", null, List.of("127.0.0.2"))),
                cond(acls, "if admin { src 127.0.0.2 }").matches());
        assertEquals(
                List.of(new Match(null, null, null, List.of("10.0.0.0/8", "192.168.1.5", "2001:db8::/32"))),
                cond(acls, "if office office").matches(),
                "the same networks twice in AND are the same networks");
    }

    @Test
    void srcThatRoutesCannotSayFailsWithTheReason() {
        AclRoutes acls = acls("acl office src 10.0.0.0/8", "acl lab src 10.1.0.0/16");
        assertTrue(cond(acls, "if office lab").failure().contains("two different src conditions in AND"));
        assertTrue(cond(acls, "if !office").failure().contains("negated"));
        assertTrue(cond(acls, "if { src -f /etc/haproxy/office.lst }").failure().contains("from a file (-f)"));
        assertTrue(cond(acls, "if { src db.example.com }").failure().contains("'db.example.com' is not an IPv4"));
        assertTrue(cond(acls, "if { src 10.1.2.3/8 }").failure().contains("bits set past its prefix"));
        assertTrue(cond(acls, "if { src 10.0.0.0/255.0.255.0 }").failure().contains("not contiguous"));
        assertTrue(cond(acls, "if { src -m beg 10. }").failure().contains("src -m beg"));
    }

    @Test
    void otherExpressionsArePathRegexesAndIgnoreCaseIsKept() {
        AclRoutes acls = acls("acl v path_reg ^/api/v[12]/", "acl i path_reg -i \\.php$", "acl p path_beg -i /Admin");
        assertEquals(
                List.of(new Match(null, null, "^/api/v[12]/")),
                cond(acls, "if v").matches());
        assertEquals(
                List.of(new Match(null, null, "(?i)\\.php$")),
                cond(acls, "if i").matches());
        assertEquals(
                List.of(new Match(null, null, "^(?i)\\Q/Admin\\E")),
                cond(acls, "if p").matches());
        assertEquals(
                List.of(new Match(null, null, "^(?=.*?(?:^/api/v[12]/))(?=.*?(?:(?i)\\.php$))")),
                cond(acls, "if v i").matches());
    }

    @Test
    void exactEndSubstringAndDirectoryPathsAreExpressions() {
        AclRoutes acls = acls(
                "acl exact path /login",
                "acl str path -m str /a.b",
                "acl end path_end .php",
                "acl sub path_sub -i /Admin/",
                "acl dir path_dir img",
                "acl mend path -m end .css");
        assertTrue(matches(acls, "exact", "/login"));
        assertFalse(matches(acls, "exact", "/login/x"));
        assertTrue(matches(acls, "str", "/a.b"));
        assertFalse(matches(acls, "str", "/axb"), "a literal, not an expression");
        assertTrue(matches(acls, "end", "/x/index.php"));
        assertFalse(matches(acls, "end", "/x/index.php5"));
        assertTrue(matches(acls, "sub", "/x/admin/y"));
        assertTrue(matches(acls, "dir", "/img/a.png"));
        assertTrue(matches(acls, "dir", "/static/img"));
        assertFalse(matches(acls, "dir", "/images/a.png"));
        assertTrue(matches(acls, "mend", "/site.css"));
        assertTrue(cond(acls, "if { method GET }").failure().contains("the host, the path and the client's address"));
    }

    /** Whether the one route of {@code acl} matches {@code path} as Tandem matches path_regex (found in the path). */
    private static boolean matches(AclRoutes acls, String acl, String path) {
        List<Match> m = cond(acls, "if " + acl).matches();
        assertEquals(1, m.size(), m.toString());
        return Pattern.compile(m.get(0).pathRegex()).matcher(path).find();
    }

    @Test
    void onlyAnchoredLiteralRegularExpressionsArePrefixes() {
        assertEquals("/api/", AclRoutes.literalPrefix("^/api/"));
        assertEquals("/a.b/", AclRoutes.literalPrefix("^/a\\.b/.*"));
        assertNull(AclRoutes.literalPrefix("/api/"));
        assertNull(AclRoutes.literalPrefix("^/api/v[12]"));
        assertNull(AclRoutes.literalPrefix("^/api$"));
    }
}
