package org.tandemlb.admin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.config.HostPort;

/** The typed reader on its own: what each accessor returns, and what it reports where. */
class SectionTest {

    private final List<ConfigProblem> problems = new ArrayList<>();

    private Section open(String yaml, List<String> keys) {
        YamlNode root = YamlReader.read("t.yaml", yaml, problems);
        assertEquals(List.of(), problems, "the YAML itself is fine");
        return Section.open(new Problems("t.yaml", problems), Map.of("PORT", "8080"), root, "", keys);
    }

    private void assertReported(String... lines) {
        assertEquals(
                List.of(lines), problems.stream().map(ConfigProblem::toString).toList());
    }

    @Test
    void unknownAndDuplicateKeysAreReportedWhenTheSectionIsOpened() {
        open("""
                retries: 1
                retires: 2
                colour: red
                retries: 3
                """, List.of("retries", "timeouts"));
        assertReported(
                "t.yaml:2:1: unknown key 'retires'; did you mean 'retries'?",
                "t.yaml:3:1: unknown key 'colour'",
                "t.yaml:4:1: duplicate key 'retries' (first at line 1)");
    }

    @Test
    void typedValuesAreReadOrReportedAtTheValue() {
        Section s = open("""
                a:
                  n: 42
                  big: 300
                  yes: yes
                  d: 1m30s
                  zero: 0s
                  bind: 127.0.0.1:${PORT}
                  mode: htp
                """, List.of("a"));
        Section a = s.section("a", List.of("n", "big", "yes", "d", "zero", "bind", "mode"));
        assertEquals(42, a.integer("n", 0, 100));
        assertNull(a.integer("big", 0, 255));
        assertNull(a.bool("yes"));
        assertEquals(Duration.ofSeconds(90), a.duration("d", true));
        assertEquals(Duration.ZERO, a.duration("zero", false));
        assertNull(a.duration("zero", true));
        assertEquals(new HostPort("127.0.0.1", 8080), a.hostPort("bind", false));
        assertNull(a.choice("mode", List.of("http", "tcp")));
        assertNull(a.integer("absent", 0, 1), "an absent key is null, and no problem");
        assertReported(
                "t.yaml:3:8: a.big: 300 is out of range: use 0 to 255",
                "t.yaml:4:8: a.yes: 'yes' is not true or false",
                "t.yaml:6:9: a.zero: must be more than 0",
                "t.yaml:8:9: a.mode: 'htp' is not one of http, tcp; did you mean 'http'?");
    }

    @Test
    void aMissingKeyIsReportedAtItsMappingAnEmptyOneAtTheKey() {
        Section s = open("""
                a: x
                b:
                """, List.of("a", "b", "c"));
        assertTrue(s.required("a"));
        s.required("b");
        s.required("c", "it says why");
        assertReported("t.yaml:2:3: b: needs a value", "t.yaml:1:1: 'c' is required (it says why)");
    }

    @Test
    void namedItemsArePathedByTheirNameOrByTheirIndex() {
        Section s = open("""
                backends:
                  - name: web
                  - name: web
                  - name: bad name
                  - mode: tcp
                  - just a value
                  - name: db
                """, List.of("backends"));
        List<Section.NamedItem> items = s.namedList("backends", "backend");
        assertEquals(
                List.of("backends.web", "backends[1]", "backends[2]", "backends[3]", "backends.db"),
                items.stream().map(Section.NamedItem::path).toList(),
                "the item that is not a mapping is left out");
        assertEquals(
                Arrays.asList("web", null, null, null, "db"),
                items.stream().map(Section.NamedItem::name).toList());
        assertEquals(
                Arrays.asList("web", null, "bad name", null, "db"),
                items.stream().map(Section.NamedItem::rawName).toList(),
                "a bad name still serves references; a repeated one goes to the first");
        assertReported(
                "t.yaml:3:11: backends[1].name: backend 'web' is already defined at line 2",
                "t.yaml:4:11: backends[2].name: backend name 'bad name' must match [A-Za-z0-9_.-]+",
                "t.yaml:5:5: backends[3]: 'name' is required",
                "t.yaml:6:5: backends[4]: expected a mapping with a name (a backend), not a value");
    }

    @Test
    void listsOfAddressesLeaveOutTheBadItems() {
        Section s = open("""
                peers: [10.0.0.1:7800, 10.0.0.2, [x], 10.0.0.3:0]
                """, List.of("peers"));
        assertEquals(List.of(new HostPort("10.0.0.1", 7800)), s.hostPorts("peers", s.list("peers"), false));
        assertReported(
                "t.yaml:1:24: peers[1]: '10.0.0.2' has no port (write host:port)",
                "t.yaml:1:34: peers[2]: expected a value, not a list",
                "t.yaml:1:39: peers[3]: '10.0.0.3:0' needs a port other than 0");
    }
}
