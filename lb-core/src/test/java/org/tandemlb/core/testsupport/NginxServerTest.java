package org.tandemlb.core.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class NginxServerTest {

    private static HttpClient http;

    @BeforeAll
    static void client() {
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void closeClient() {
        http = null;
    }

    private static HttpResponse<String> get(NginxServer nginx, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(nginx.uri(path))
                .timeout(Duration.ofSeconds(5))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesItsLocationsAndFilesAndRefusesConnectionsOnceStopped() throws Exception {
        try (NginxServer nginx = NginxServer.builder()
                .server("location / { return 200 \"nginx-a\\n\"; }\n"
                        + "location = /health { try_files /health =404; }")
                .file("health", "ok\n")
                .start()) {
            assertTrue(nginx.isRunning());
            assertTrue(nginx.port() >= ExternalProcesses.LOWEST_PORT && nginx.port() <= ExternalProcesses.HIGHEST_PORT);

            HttpResponse<String> root = get(nginx, "/anything");
            assertEquals(200, root.statusCode());
            assertEquals("nginx-a\n", root.body());

            HttpResponse<String> health = get(nginx, "/health");
            assertEquals(200, health.statusCode());
            assertEquals("ok\n", health.body());

            nginx.writeFile("health", "still ok\n");
            assertEquals("still ok\n", get(nginx, "/health").body());
            nginx.deleteFile("health");
            assertEquals(404, get(nginx, "/health").statusCode());

            long firstPid = nginx.pid();
            nginx.stop();
            assertFalse(nginx.isRunning());
            assertThrows(ConnectException.class, () -> new Socket().connect(nginx.address(), 2000));

            nginx.start();
            assertNotEquals(firstPid, nginx.pid());
            assertEquals("nginx-a\n", get(nginx, "/").body(), "serves again on the same port after start()");
        }
    }

    @Test
    void closeDeletesItsDirectory() {
        NginxServer nginx = NginxServer.start("location / { return 204; }");
        var root = nginx.root();
        assertTrue(Files.isDirectory(root));
        nginx.close();
        assertFalse(nginx.isRunning());
        assertFalse(Files.exists(root));
    }

    @Test
    void triesAnotherPortWhenTheFirstIsTaken() throws Exception {
        try (ServerSocket squatter = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int taken = squatter.getLocalPort();
            AtomicInteger tries = new AtomicInteger();
            try (NginxServer nginx = NginxServer.builder()
                    .server("location / { return 200 \"mine\\n\"; }")
                    .ports(() -> tries.getAndIncrement() == 0 ? taken : ExternalProcesses.randomPort())
                    .start()) {
                assertNotEquals(taken, nginx.port());
                assertTrue(tries.get() >= 2);
                assertEquals("mine\n", get(nginx, "/").body());
            }
        }
    }
}
