package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.testsupport.ProxyProcess;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;

/**
 * Bodies are streamed with back-pressure, never buffered whole: a proxy confined to a 64 MiB heap
 * (and so, by default, 64 MiB of direct memory) passes a 1 GiB upload and a 1 GiB download, and
 * reports its peak heap and the direct memory it still holds.
 */
class LargeBodyTest {
    private static final long GIB = 1L << 30;
    private static final long LIMIT = 64L << 20;

    @Test
    void oneGibUploadAndDownloadPassWithBoundedMemory() throws Exception {
        try (TestBackend server = TestBackend.start("big");
                ProxyProcess proxy = new ProxyProcess("64m", "http", server.hostPort())) {
            // Upload: a fixed-length 1 GiB body, counted by the server as it streams in.
            try (RawHttp c = new RawHttp(new InetSocketAddress("127.0.0.1", proxy.port()))) {
                c.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: " + GIB + "\r\n\r\n");
                OutputStream out = c.socket().getOutputStream();
                byte[] chunk = new byte[256 * 1024];
                for (long sent = 0; sent < GIB; sent += chunk.length) {
                    out.write(chunk);
                }
                out.flush();
                RawHttp.Response r = c.read();
                assertEquals(200, r.status());
                assertEquals(Long.toString(GIB), r.body(), "the server received every byte");
            }
            // Download: a chunked 1 GiB body, counted by the client as it streams out.
            HttpClient client =
                    HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<InputStream> r = client.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/download?bytes=" + GIB))
                            .timeout(Duration.ofMinutes(2))
                            .build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            long received = 0;
            try (InputStream in = r.body()) {
                byte[] buf = new byte[256 * 1024];
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    received += n;
                }
            }
            assertEquals(GIB, received);
            assertTrue(proxy.alive(), "the proxy survived");
            long[] memory = proxy.memory();
            System.out.printf(
                    "proxy peak heap %.1f MiB, netty direct memory held %.1f MiB%n",
                    memory[0] / 1048576.0, memory[1] / 1048576.0);
            assertTrue(memory[0] < LIMIT, "peak heap " + memory[0] + " under 64 MiB");
            assertTrue(memory[1] < LIMIT, "direct memory " + memory[1] + " under 64 MiB");
        }
    }
}
