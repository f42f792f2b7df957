package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.HashPolicy;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.Proxies;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.testsupport.TestBackends;

/** {@code balance: { hash: ... }} through the proxy: the same key reaches the same server. */
class HashBalancingTest {
    @RegisterExtension
    final TestBackends backends = new TestBackends();

    private LoadBalancer start(String key) {
        List<TestBackend> servers = List.of(backends.start("a"), backends.start("b"), backends.start("c"));
        return Proxies.start(
                Mode.HTTP,
                be -> {
                    be.hash(HashPolicy.parse(key, 0));
                    servers.forEach(s -> be.server(
                            ServerConfig.builder(s.name(), s.hostPort()).build()));
                    return be;
                },
                f -> f,
                2);
    }

    /** The server that answered {@code request}. */
    private static String serverOf(RawHttp c, String request) throws Exception {
        RawHttp.Response r = c.send(request).read();
        assertEquals(200, r.status());
        return r.body().trim();
    }

    /** Request {@code n} of {@code user}, carrying the user as {@code key} says. */
    private static String request(String key, String user, int n) {
        return switch (key) {
            case "header:X-User" -> "GET /page?n=" + n + " HTTP/1.1\r\nHost: x\r\nX-User: " + user + "\r\n\r\n";
            case "uri" -> "GET /users/" + user + "?n=" + n + " HTTP/1.1\r\nHost: x\r\n\r\n";
            case "query:user" -> "GET /page?n=" + n + "&user=" + user + " HTTP/1.1\r\nHost: x\r\n\r\n";
            case "cookie:sid" -> "GET /page?n=" + n + " HTTP/1.1\r\nHost: x\r\nCookie: a=b; sid=" + user + "\r\n\r\n";
            default -> throw new IllegalArgumentException(key);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"header:X-User", "uri", "query:user", "cookie:sid"})
    void eachKeyStaysOnOneServerAndTheKeysSpreadOverAll(String key) throws Exception {
        try (LoadBalancer lb = start(key);
                RawHttp c = new RawHttp(lb.address("fe"))) {
            Map<String, String> serverOfUser = new HashMap<>();
            for (int round = 0; round < 5; round++) {
                for (int u = 0; u < 30; u++) {
                    String user = "user" + u;
                    String server = serverOf(c, request(key, user, round));
                    String first = serverOfUser.putIfAbsent(user, server);
                    if (first != null) {
                        assertEquals(first, server, user + " moved from " + first + " to " + server);
                    }
                }
            }
            Set<String> used = new HashSet<>(serverOfUser.values());
            assertEquals(Set.of("a", "b", "c"), used, "30 keys spread over the three servers");
        }
    }

    @Test
    void requestsWithoutTheKeyAreBalancedRoundRobin() throws Exception {
        try (LoadBalancer lb = start("header:X-User");
                RawHttp c = new RawHttp(lb.address("fe"))) {
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                seen.add(serverOf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
            }
            assertEquals(Set.of("a", "b", "c"), seen, "round-robin over the three");
        }
    }
}
