package org.tandemlb.examples.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.testsupport.TestBackend;

/** The embedding example of the README works as written. */
class EmbeddedLoadBalancerTest {
    @Test
    void embeddedLoadBalancerSpreadsRequestsOverBothServers() throws Exception {
        try (TestBackend a = TestBackend.start("a");
                TestBackend b = TestBackend.start("b");
                LoadBalancer lb = LoadBalancer.builder(
                                EmbeddedLoadBalancer.config("127.0.0.1:0", a.hostPort(), b.hostPort()))
                        .build()) {
            lb.start();
            HttpClient client =
                    HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            Map<String, Integer> seen = new HashMap<>();
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> r = client.send(
                        HttpRequest.newBuilder(URI.create(
                                        "http://127.0.0.1:" + lb.address("www").getPort() + "/"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                seen.merge(r.body().trim(), 1, Integer::sum);
            }
            // leastconn over idle servers breaks its ties round-robin: an even split.
            assertEquals(Map.of("a", 10, "b", 10), seen);
        }
    }
}
