package org.tandemlb.admin.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.admin.config.TandemConfig;
import org.tandemlb.cluster.ClusterConfig;
import org.tandemlb.cluster.VipConfig;

/** The configurations of the README's "Run a two-node cluster" are valid, as printed. */
class ReadmeClusterConfigTest {

    /** The yaml blocks of the README's "Run a two-node cluster", in order. */
    static List<String> yamlBlocks() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        int from = readme.indexOf("## Run a two-node cluster");
        assertTrue(from >= 0, "the README has the section");
        String section = readme.substring(from, readme.indexOf("\n## ", from + 1));
        List<String> blocks = new ArrayList<>();
        int at = 0;
        while ((at = section.indexOf("```yaml\n", at)) >= 0) {
            int end = section.indexOf("```\n", at + 8);
            blocks.add(section.substring(at + 8, end));
            at = end;
        }
        return blocks;
    }

    @Test
    void theOneMachinePairIsValid() throws Exception {
        String lb1 = yamlBlocks().get(0);
        String lb2 = lb1.replace("node: lb1", "node: lb2")
                .replace("127.0.0.1:9001", "127.0.0.1:9002")
                .replace("bind: 127.0.0.1:7801", "bind: 127.0.0.1:7802")
                .replace("priority: 150", "priority: 100");
        Map<String, String> env = Map.of("TANDEM_CLUSTER_SECRET", "s");
        ClusterConfig c1 = ConfigLoader.parse("lb1.yaml", lb1, env).cluster();
        ClusterConfig c2 = ConfigLoader.parse("lb2.yaml", lb2, env).cluster();
        assertEquals(List.of(VipConfig.bind("127.0.0.100")), c1.vips());
        assertEquals(c1.peers(), c2.peers());
        assertEquals(150, c1.priority());
        assertEquals(100, c2.priority());
        assertEquals("lb2", c2.node());
    }

    @Test
    void theTwoHostClusterSectionIsValid() throws Exception {
        String yaml = """
                node: lb1
                frontends:
                  - { name: www, mode: http, bind: ["0.0.0.0:443"], default_backend: web }
                backends:
                  - { name: web, mode: http, servers: [{ name: web1, address: 10.0.0.21:80 }] }
                """ + yamlBlocks().get(1);
        TandemConfig c = ConfigLoader.parse(
                "tandem.yaml",
                yaml,
                Map.of(
                        "TANDEM_CLUSTER_BIND",
                        "10.0.0.11:7800",
                        "TANDEM_PRIORITY",
                        "150",
                        "TANDEM_CLUSTER_SECRET",
                        "s"));
        ClusterConfig cc = c.cluster();
        assertEquals("10.0.0.11:7800", cc.bind().toString());
        assertEquals(150, cc.priority());
        assertEquals(VipConfig.linux("203.0.113.10", 24, "eth0"), cc.vips().get(0));
        assertEquals("10.0.0.1:53", cc.tiebreaker().toString());
    }
}
