package org.tandemlb.admin.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tandemlb.admin.config.ConfigException;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.admin.config.ConfigProblem;
import org.tandemlb.admin.config.TandemConfig;
import org.tandemlb.cluster.BgpConfig;
import org.tandemlb.cluster.ClusterConfig;
import org.tandemlb.cluster.VipConfig;

/** The {@code bgp} driver's keys: vip {@code driver: bgp} and the {@code cluster.bgp} section. */
class BgpSectionTest {

    private static final String HEAD = """
            node: lb1
            backends:
              - { name: web, mode: http, balance: source, servers: [{ name: web1, address: 10.0.0.21:8081 }] }
            frontends:
              - { name: www, mode: http, bind: "0.0.0.0:80", default_backend: web }
            cluster:
              bind: 10.0.0.11:7800
              peers: [10.0.0.11:7800, 10.0.0.12:7800, 10.0.0.13:7800]
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
    void aBgpVipIsAHostAddressOnLoopbackAndTheSectionSetsBird() throws Exception {
        ClusterConfig c = parse(HEAD + """
                  vips: [{ address: 203.0.113.10/32, driver: bgp }]
                  bgp: { socket: /run/bird/tandem.ctl, protocol: lb_vips, drain: 3s }
                """).cluster();
        assertEquals(
                new VipConfig("203.0.113.10", 32, "lo", VipConfig.Driver.BGP, null, null),
                c.vips().get(0));
        assertEquals(new BgpConfig("/run/bird/tandem.ctl", "lb_vips", Duration.ofSeconds(3)), c.bgp());
    }

    @Test
    void theSectionHasDefaults() throws Exception {
        ClusterConfig c = parse(HEAD + """
                  vips: [{ address: 203.0.113.10/32, driver: bgp }]
                """).cluster();
        assertEquals(new BgpConfig("/run/bird/bird.ctl", "tandem_vips", Duration.ofSeconds(2)), c.bgp());
    }

    @Test
    void badKeysAreNamed() {
        assertEquals(
                List.of(
                        "t.yaml:10:62: cluster.vips[0].interface: is lo for driver: bgp (the VIP is a host address "
                                + "on the loopback; leave it out)",
                        "t.yaml:11:18: cluster.bgp.socket: 'bird.ctl' is not an absolute path",
                        "t.yaml:11:38: cluster.bgp.protocol: '1vips' is not a BIRD protocol name (a letter, then "
                                + "letters, digits and _)",
                        "t.yaml:11:52: cluster.bgp.drain: is more than 5m"),
                problems(HEAD + """
                          vips: [{ address: 203.0.113.10/32, driver: bgp, interface: eth0 }]
                          bgp: { socket: bird.ctl, protocol: 1vips, drain: 6m }
                        """));
    }

    @Test
    void aBgpVipIsInNoGroupAndTheElectedOnesKeepTheirs() throws Exception {
        assertEquals(
                List.of("t.yaml:10:58: cluster.vips[0].group: is not for driver: bgp (every fit node announces a bgp "
                        + "VIP: it is in no group)"),
                problems(HEAD + """
                          vips: [{ address: 203.0.113.10/32, driver: bgp, group: a }]
                        """));
        ClusterConfig c = parse(HEAD + """
                  vips:
                    - { address: 203.0.113.10/32, driver: bgp }
                    - { address: 203.0.113.20/24, interface: eth0, group: a }
                    - { address: 203.0.113.21/24, interface: eth0, group: b }
                """).cluster();
        assertEquals(List.of("a", "b"), c.groups(), "the bgp VIP adds no group");
        assertEquals(true, c.spread());
        ClusterConfig only = parse(HEAD + """
                  vips: [{ address: 203.0.113.10/32, driver: bgp }]
                """).cluster();
        assertEquals(List.of(VipConfig.DEFAULT_GROUP), only.groups());
        assertEquals(false, only.spread());
    }
}
