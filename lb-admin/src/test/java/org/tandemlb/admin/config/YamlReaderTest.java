package org.tandemlb.admin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Positions from Jackson's YAML parser: 1-based, at the first character of the key or value. */
class YamlReaderTest {

    private static YamlNode read(String yaml) {
        List<ConfigProblem> problems = new ArrayList<>();
        YamlNode root = YamlReader.read("t.yaml", yaml, problems);
        assertEquals(List.of(), problems);
        return root;
    }

    @Test
    void keysAndValuesKeepTheirLineAndColumn() {
        YamlNode.Mapping root = assertInstanceOf(YamlNode.Mapping.class, read("""
                a: 1
                bb:
                  - { x: "q", y: ~ }
                  -   plain text
                """));
        assertEquals(1, root.line());
        assertEquals(1, root.column());
        YamlNode.Entry a = root.entry("a");
        assertEquals(List.of(1, 1), List.of(a.key().line(), a.key().column()));
        YamlNode.Scalar one = (YamlNode.Scalar) a.value();
        assertEquals(List.of(1, 4), List.of(one.line(), one.column()));
        assertEquals("1", one.text());

        YamlNode.Sequence bb = (YamlNode.Sequence) root.entry("bb").value();
        assertEquals(List.of(3, 3), List.of(bb.line(), bb.column()), "a block list starts at its first '-'");
        YamlNode.Mapping flow = (YamlNode.Mapping) bb.items().get(0);
        assertEquals(List.of(3, 5), List.of(flow.line(), flow.column()), "a flow mapping starts at its '{'");
        YamlNode.Scalar q = (YamlNode.Scalar) flow.entry("x").value();
        assertEquals(List.of(3, 10), List.of(q.line(), q.column()), "a quoted value starts at its quote");
        assertEquals("q", q.text());
        YamlNode.Scalar y = (YamlNode.Scalar) flow.entry("y").value();
        assertTrue(y.isNull());
        YamlNode.Scalar plain = (YamlNode.Scalar) bb.items().get(1);
        assertEquals(List.of(4, 7), List.of(plain.line(), plain.column()));
        assertEquals("plain text", plain.text());
    }

    @Test
    void scalarsKeepTheirTextWhateverYamlThinksTheyAre() {
        YamlNode.Mapping root = (YamlNode.Mapping) read("a: yes\nb: 0x1F\nc: 1.50\nd: 'true'\n");
        assertEquals("yes", ((YamlNode.Scalar) root.entry("a").value()).text());
        assertEquals("0x1F", ((YamlNode.Scalar) root.entry("b").value()).text());
        assertEquals("1.50", ((YamlNode.Scalar) root.entry("c").value()).text());
        assertEquals("true", ((YamlNode.Scalar) root.entry("d").value()).text());
    }

    @Test
    void duplicateKeysAreKeptAsideWithTheirPosition() {
        YamlNode.Mapping root = (YamlNode.Mapping) read("a: 1\nb: 2\na: 3\n");
        assertEquals("1", ((YamlNode.Scalar) root.entry("a").value()).text(), "the first one counts");
        assertEquals(1, root.duplicates().size());
        assertEquals(3, root.duplicates().get(0).key().line());
    }

    /** Odd input gives problems, never another exception. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "? [a, b]\n: c\n",
                "[",
                "{",
                "\t- a\n",
                "a: 'open\n",
                "a: &x [*x]\n",
                "a: b: c\n",
                "- - -\n",
                "~\n",
                "null\n",
                "123\n",
                "a: !!binary xyz\n",
                "frontends: [[[]]]\n",
                "backends: [~]\n",
                "frontends:\n  - ~\n",
                "cluster: { vips: [~, [], 1] }\n",
                "admin: { listen: [] }\n",
                "\uFEFFnode: x\nfoo: 1\n",
                "backends:\n  - name: ~\n  - name: []\n",
                "frontends:\n  - { name: a, bind: [], default_backend: ~ }\n"
            })
    void oddInputOnlyGivesProblems(String yaml) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("t.yaml", yaml, Map.of()));
        assertFalse(e.problems().isEmpty());
        for (ConfigProblem p : e.problems()) {
            assertTrue(p.line() >= 1 && p.column() >= 1, p.toString());
            assertFalse(p.toString().contains("\n"), p.toString());
        }
    }

    @Test
    void aProblemWithoutPathLeavesItOut() {
        assertEquals("f.yaml:1:2: whole file", new ConfigProblem("f.yaml", 1, 2, "", "whole file").toString());
        assertEquals("f.yaml:3:4: a.b: wrong", new ConfigProblem("f.yaml", 3, 4, "a.b", "wrong").toString());
    }
}
