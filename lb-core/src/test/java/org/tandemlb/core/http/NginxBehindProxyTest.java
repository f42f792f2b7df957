package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.NginxServer;
import org.tandemlb.core.testsupport.Proxies;
import org.tandemlb.core.testsupport.RawHttp;

/** Tandem in front of two real Nginx servers started by the test, as in the www.foobar.com stack. */
class NginxBehindProxyTest {
    private static final String SERVER = """
            location = /whoami { return 200 "%s\\n"; }
            location = /xff { return 200 "$http_x_forwarded_for|$http_x_forwarded_proto|$http_x_forwarded_host|$http_connection\\n"; }
            location / { try_files $uri =404; }
            """;

    @Test
    void balancesKeepsAliveAndStreamsFilesFromRealNginx() throws Exception {
        String big = "0123456789abcdef".repeat(1 << 16); // 1 MiB static file
        try (NginxServer a = NginxServer.builder()
                        .server(SERVER.formatted("nginx-a"))
                        .file("big.txt", big)
                        .start();
                NginxServer b = NginxServer.builder()
                        .server(SERVER.formatted("nginx-b"))
                        .file("big.txt", big)
                        .start();
                LoadBalancer lb = Proxies.start(
                        Mode.HTTP,
                        be -> be.server(ServerConfig.builder("a", "127.0.0.1:" + a.port())
                                        .build())
                                .server(ServerConfig.builder("b", "127.0.0.1:" + b.port())
                                        .build()),
                        f -> f,
                        2)) {
            HttpClient client =
                    HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI base = URI.create("http://127.0.0.1:" + lb.address("fe").getPort());
            Map<String, Integer> counts = new HashMap<>();
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> r = client.send(
                        HttpRequest.newBuilder(base.resolve("/whoami"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                counts.merge(r.body().trim(), 1, Integer::sum);
            }
            assertEquals(Map.of("nginx-a", 10, "nginx-b", 10), counts);

            HttpResponse<InputStream> file = client.send(
                    HttpRequest.newBuilder(base.resolve("/big.txt")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, file.statusCode());
            try (InputStream in = file.body()) {
                assertEquals(big, new String(in.readAllBytes(), StandardCharsets.US_ASCII));
            }
            assertEquals(
                    404,
                    client.send(
                                    HttpRequest.newBuilder(base.resolve("/missing"))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode());

            try (RawHttp c = new RawHttp(lb.address("fe"))) {
                RawHttp.Response r = c.send(
                                "GET /xff HTTP/1.1\r\nHost: www.foobar.com\r\nConnection: keep-alive\r\n\r\n")
                        .read();
                assertEquals(
                        "127.0.0.1|http|www.foobar.com|\n",
                        r.body(),
                        "nginx sees the client, and no hop-by-hop header");
                RawHttp.Response head =
                        c.send("HEAD /big.txt HTTP/1.1\r\nHost: t\r\n\r\n").readHeadResponse();
                assertEquals(200, head.status());
                assertEquals(Integer.toString(big.length()), head.header("content-length"));
                assertEquals("nginx-", c.get("/whoami").body().substring(0, 6), "the connection survived the HEAD");
            }
            // nginx served all of it over few, reused connections: its access log has every request.
            assertTrue(a.accessLog().toFile().length() > 0
                    && b.accessLog().toFile().length() > 0);
        }
    }
}
