package org.tandemlb.admin.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tandemlb.admin.config.ConfigException;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.admin.config.ConfigProblem;
import org.tandemlb.admin.config.TandemConfig;
import org.tandemlb.cluster.ClusterConfig;
import org.tandemlb.cluster.ClusterStack;
import org.tandemlb.cluster.VipConfig;

/** The {@code cluster} section's keys of the script driver and the timings, read into lb-cluster's records. */
class ClusterSectionTest {

    private static final String HEAD = """
            node: lb1
            backends:
              - { name: web, mode: http, servers: [{ name: web1, address: 127.0.0.1:8081 }] }
            frontends:
              - { name: www, mode: http, bind: "127.0.0.100:8080", default_backend: web }
            cluster:
              name: foobar-lb
              bind: 127.0.0.1:7800
              peers: [127.0.0.1:7800, 127.0.0.1:7801]
              priority: 150
              secret: s3cret
            """;

    private static TandemConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse("t.yaml", yaml, Map.of());
    }

    private static List<String> problems(String yaml) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml));
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void theScriptDriverTakesItsCommandsAndTheFastTimings() throws Exception {
        TandemConfig c = parse(HEAD + """
                  timings: fast
                  vips:
                    - address: 203.0.113.10/24
                      interface: eth0
                      driver: script
                      on_active: /usr/local/bin/vip up
                      on_standby: /usr/local/bin/vip down
                    - { address: 127.0.0.100/32, driver: bind }
                """);
        ClusterConfig cc = c.cluster();
        assertEquals("lb1", cc.node());
        assertEquals("foobar-lb", cc.name());
        assertEquals(150, cc.priority());
        assertEquals(ClusterStack.Profile.FAST, cc.profile());
        assertEquals(
                new VipConfig(
                        "203.0.113.10",
                        24,
                        "eth0",
                        VipConfig.Driver.SCRIPT,
                        "/usr/local/bin/vip up",
                        "/usr/local/bin/vip down"),
                cc.vips().get(0));
        assertEquals(VipConfig.Driver.BIND, cc.vips().get(1).driver());
    }

    @Test
    void timingsDefaultToDefault() throws Exception {
        TandemConfig c = parse(HEAD + """
                  vips: [{ address: 127.0.0.100/32, driver: bind }]
                """);
        assertEquals(ClusterStack.Profile.DEFAULT, c.cluster().profile());
    }

    @Test
    void commandsBelongToTheScriptDriverOnly() {
        assertEquals(
                List.of("t.yaml:15:7: cluster.vips[0].on_active: is only for driver: script (this VIP's driver "
                        + "is linux)"),
                problems(HEAD + """
                          vips:
                            - address: 203.0.113.10/24
                              interface: eth0
                              on_active: echo up
                        """));
    }

    @Test
    void theScriptDriverNeedsACommand() {
        assertEquals(
                List.of("t.yaml:14:7: cluster.vips[0].driver: the script driver needs on_active and/or "
                        + "on_standby (commands run with /bin/sh -c)"),
                problems(HEAD + """
                          vips:
                            - address: 203.0.113.10/24
                              driver: script
                        """));
    }

    @Test
    void unknownTimingsAreAnError() {
        assertEquals(
                List.of("t.yaml:12:12: cluster.timings: 'quick' is not one of default, fast"), problems(HEAD + """
                          timings: quick
                        """));
    }

    @Test
    void vipGroupsSpreadByDefaultWithAThirtySecondPreemptDelay() throws Exception {
        TandemConfig c = parse(HEAD + """
                  vips:
                    - { address: 203.0.113.10/24, interface: eth0, group: web }
                    - { address: 203.0.113.11/24, interface: eth0, group: web }
                    - { address: 203.0.113.12/24, interface: eth0, group: api }
                    - { address: 127.0.0.100/32, driver: bind }
                """);
        ClusterConfig cc = c.cluster();
        assertEquals(List.of("api", "default", "web"), cc.groups());
        assertEquals("web", cc.vips().get(1).group());
        assertEquals(VipConfig.DEFAULT_GROUP, cc.vips().get(3).group());
        assertEquals(true, cc.spread());
        assertEquals(Duration.ofSeconds(30), cc.preemptDelay());
    }

    @Test
    void oneGroupDoesNotSpreadAndPreemptsAtOnce() throws Exception {
        TandemConfig c = parse(HEAD + """
                  preempt: true
                  vips: [{ address: 127.0.0.100/32, driver: bind }]
                """);
        assertEquals(false, c.cluster().spread());
        assertEquals(Duration.ZERO, c.cluster().preemptDelay());
        assertEquals(List.of(VipConfig.DEFAULT_GROUP), c.cluster().groups());
    }

    @Test
    void spreadAndPreemptDelayAsWritten() throws Exception {
        TandemConfig c = parse(HEAD + """
                  spread: false
                  preempt: true
                  preempt_delay: 5s
                  vips:
                    - { address: 203.0.113.10/24, interface: eth0, group: a }
                    - { address: 203.0.113.11/24, interface: eth0, group: b }
                """);
        assertEquals(false, c.cluster().spread());
        assertEquals(Duration.ofSeconds(5), c.cluster().preemptDelay());
    }

    @Test
    void badGroupsSpreadAndPreemptDelayAreNamed() {
        assertEquals(
                List.of(
                        "t.yaml:12:11: cluster.spread: 'yes' is not true or false",
                        "t.yaml:13:18: cluster.preempt_delay: '-3s' must not be negative",
                        "t.yaml:15:59: cluster.vips[0].group: group name 'web/1' must match [A-Za-z0-9_.-]+"),
                problems(HEAD + """
                          spread: yes
                          preempt_delay: -3s
                          vips:
                            - { address: 203.0.113.10/24, interface: eth0, group: web/1 }
                        """));
    }

    @Test
    void preemptWithSpreadIsAMistake() {
        List<String> p = problems(HEAD + """
                  preempt: true
                  vips:
                    - { address: 203.0.113.10/24, interface: eth0, group: a }
                    - { address: 203.0.113.11/24, interface: eth0, group: b }
                """);
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).startsWith("t.yaml:12:3: cluster.preempt: has no effect with spread"), p.get(0));
    }
}
