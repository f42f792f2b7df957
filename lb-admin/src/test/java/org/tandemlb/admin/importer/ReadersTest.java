package org.tandemlb.admin.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The two tokenizers: HAProxy's quotes, escapes and comments; keepalived's blocks. */
class ReadersTest {

    @Test
    void haproxyWordsHonourQuotesEscapesAndComments() {
        assertEquals(
                List.of("stats", "realm", "HAProxy Statistics"),
                HaproxyReader.words("stats realm HAProxy\\ Statistics"));
        assertEquals(
                List.of("option", "httpchk", "GET", "/", "HTTP/1.1\r\nHost: a"),
                HaproxyReader.words("option httpchk GET / \"HTTP/1.1\\r\\nHost: a\" # comment"));
        assertEquals(List.of("set-header", "X", "a # b"), HaproxyReader.words("set-header X 'a # b'"));
        // HAProxy leaves a backslash before other characters as written: a regular expression keeps it.
        assertEquals(
                List.of("acl", "a", "path_reg", "\\.(png|gif)$", "\\d+"),
                HaproxyReader.words("acl a path_reg \\.(png|gif)$ \"\\d+\""));
        assertEquals(List.of("a#b\\"), HaproxyReader.words("a\\#b\\\\"));
        assertEquals("bind :80", HaproxyReader.withoutComment("  bind   :80   # the site"));
    }

    @Test
    void haproxySectionsKeepTheirLines() {
        List<HaproxyReader.Section> s = HaproxyReader.read("h.cfg", "global\n  daemon\n\nfrontend www\n  bind :80\n");
        assertEquals(2, s.size());
        assertEquals("www", s.get(1).name());
        assertEquals("h.cfg:5", s.get(1).body().get(0).where());
    }

    @Test
    void keepalivedBlocksOpenOnTheirLineOrTheNext() {
        List<KeepalivedReader.Block> b = KeepalivedReader.read("k.conf", """
                ! comment
                vrrp_instance VI_1
                {
                    interface eth0   # the LAN
                    virtual_ipaddress { 10.0.0.10/24 }
                    notify_master "/bin/x master"
                }
                global_defs { router_id lb1 }
                """);
        assertEquals(2, b.size());
        KeepalivedReader.Block inst = b.get(0);
        assertEquals("k.conf:2", inst.directive().where());
        assertEquals(
                List.of("interface", "virtual_ipaddress", "notify_master"),
                inst.children().stream().map(KeepalivedReader.Block::keyword).toList());
        assertEquals("10.0.0.10/24", inst.children().get(1).children().get(0).keyword());
        assertEquals("/bin/x master", inst.children().get(2).directive().word(1));
        assertEquals("lb1", b.get(1).children().get(0).directive().word(1));
    }
}
