package org.tandemlb.core.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.testsupport.ChildProcess;
import org.tandemlb.core.testsupport.ProxyProcess;
import org.tandemlb.core.testsupport.TestBackend;

/**
 * HTTP/2 bodies are streamed with flow control end to end, never buffered whole: through a proxy
 * confined to a 64 MiB heap, a 1 GiB download and a 1 GiB upload over h2c (curl) arrive intact,
 * their SHA-256 compared with what was sent.
 */
class Http2LargeBodyTest {
    private static final long GIB = 1L << 30;
    private static final long LIMIT = 64L << 20;

    @Test
    void oneGibDownloadAndUploadOverH2cArriveIntactWithBoundedMemory() throws Exception {
        try (TestBackend server = TestBackend.start("big");
                ProxyProcess proxy = new ProxyProcess("64m", "h2c", server.hostPort())) {
            String base = "http://127.0.0.1:" + proxy.port();
            long t0 = System.nanoTime();
            // Download: the backend's pattern, hashed by sha256sum as curl writes it out.
            try (ChildProcess c = ChildProcess.command(
                            "bash",
                            "-c",
                            "set -o pipefail; curl -sS --max-time 120 " + "--http2-prior-knowledge '" + base
                                    + "/download?bytes=" + GIB + "' | sha256sum")
                    .name("curl-download")
                    .separateStderr()
                    .start()) {
                assertTrue(c.awaitExit(Duration.ofMinutes(2)), "download ended");
                assertEquals(0, c.exitCode(), c.errorText());
                assertEquals(TestBackend.patternSha256(GIB) + "  -", c.text().trim(), "the download arrived intact");
            }
            long t1 = System.nanoTime();
            // Upload: the same pattern into curl's standard input (a body of unannounced length,
            // sent to the server chunked), hashed by the backend as it streams in.
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            try (ChildProcess c = ChildProcess.command(
                            "curl",
                            "-sS",
                            "--max-time",
                            "120",
                            "--http2-prior-knowledge",
                            "-T",
                            "-",
                            base + "/upload-sha256")
                    .name("curl-upload")
                    .separateStderr()
                    .start()) {
                byte[] chunk = new byte[TestBackend.CHUNK];
                try (OutputStream out = c.process().getOutputStream()) {
                    for (long at = 0; at < GIB; at += chunk.length) {
                        TestBackend.pattern(at / chunk.length, chunk);
                        sent.update(chunk);
                        out.write(chunk);
                    }
                } catch (java.io.IOException e) {
                    c.awaitExit(Duration.ofSeconds(10));
                    throw new AssertionError("curl stopped reading: " + c.errorText() + c.text(), e);
                }
                assertTrue(c.awaitExit(Duration.ofMinutes(2)), "upload ended");
                assertEquals(0, c.exitCode(), c.errorText());
                assertEquals(
                        GIB + " " + HexFormat.of().formatHex(sent.digest()),
                        c.text().trim(),
                        "the server received every byte, in order");
            }
            long t2 = System.nanoTime();
            assertTrue(proxy.alive(), "the proxy survived");
            long[] memory = proxy.memory();
            System.out.printf(
                    "h2c 1 GiB download %.1f s, upload %.1f s; proxy peak heap %.1f MiB, "
                            + "netty direct memory held %.1f MiB%n",
                    (t1 - t0) / 1e9, (t2 - t1) / 1e9, memory[0] / 1048576.0, memory[1] / 1048576.0);
            assertTrue(memory[0] < LIMIT, "peak heap " + memory[0] + " under 64 MiB");
            assertTrue(memory[1] < LIMIT, "direct memory " + memory[1] + " under 64 MiB");
        }
    }

    @Test
    void aStreamWhoseClientDoesNotReadHoldsBackItsServer() throws Exception {
        try (TestBackend server = TestBackend.start("big");
                ProxyProcess proxy = new ProxyProcess("64m", "h2c", server.hostPort());
                RawH2 c = new RawH2(proxy.port())) {
            // A 1 GiB download the client never reads: the stream's window (64 KiB) fills, then
            // the proxy must stop reading the server rather than hold what it sends.
            c.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 1, RawH2.get("/download?bytes=" + GIB));
            await().during(Duration.ofSeconds(3))
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> proxy.memory()[1] < (16L << 20));
            assertTrue(proxy.alive());
        }
    }
}
