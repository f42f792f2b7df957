package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.Proxies;

/**
 * A server that answers an upload at once and reads no more of it (as Nginx's {@code return 200}
 * does): Tandem passes the answer on and ends the client connection while the client is still
 * sending. The client reads the whole answer even after it finished sending: the close lingers
 * (FIN, then what still comes is read and dropped) rather than resetting the connection, which
 * would destroy the answer in the client's buffers.
 */
class EarlyResponseTest {
    private static final String ANSWER = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    private static final int BODY = 32 << 20; // more than the loopback's socket buffers hold

    private final ExecutorService threads = Executors.newCachedThreadPool();
    /** Released when the test ends: the server's connections stop holding on. */
    private final CountDownLatch finished = new CountDownLatch(1);

    private ServerSocket server;
    private LoadBalancer lb;

    @AfterEach
    void stop() throws Exception {
        finished.countDown();
        threads.shutdownNow();
        if (lb != null) {
            lb.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** Answers each connection's first request head at once, then reads nothing more. */
    private void answerAndStopReading() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                threads.submit(() -> {
                    try (s) {
                        InputStream in = s.getInputStream();
                        int matched = 0;
                        while (matched < 4) {
                            int b = in.read();
                            if (b < 0) {
                                return null;
                            }
                            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
                        }
                        s.getOutputStream().write(ANSWER.getBytes(StandardCharsets.US_ASCII));
                        finished.await(30, TimeUnit.SECONDS); // holds the connection, reading nothing
                    }
                    return null;
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    @Test
    void theClientReadsTheWholeAnswerAfterItFinishedSending() throws Exception {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.submit(this::answerAndStopReading);
        lb = Proxies.start(
                Mode.HTTP,
                be -> be.server(ServerConfig.builder("s", "127.0.0.1:" + server.getLocalPort())
                        .build()),
                f -> f,
                1);
        for (int i = 0; i < 3; i++) {
            try (Socket s =
                    new Socket(lb.address("fe").getAddress(), lb.address("fe").getPort())) {
                s.setSoTimeout(20_000);
                OutputStream out = s.getOutputStream();
                Future<Boolean> sent = threads.submit(() -> {
                    out.write(("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + BODY + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    byte[] chunk = new byte[64 * 1024];
                    try {
                        for (int n = 0; n < BODY; n += chunk.length) {
                            out.write(chunk);
                        }
                        return true;
                    } catch (IOException e) {
                        return false; // the connection ended under the upload
                    }
                });
                // Read only once the client is done sending: whatever the proxy did to the connection meanwhile
                // (a reset would have discarded the answer) shows now.
                boolean wholeUploadTaken = sent.get(30, TimeUnit.SECONDS);
                String answer = readAll(s.getInputStream());
                assertTrue(answer.startsWith("HTTP/1.1 200 OK\r\n"), "attempt " + i + ": " + answer);
                assertTrue(answer.toLowerCase().contains("connection: close"), answer);
                assertTrue(
                        answer.endsWith("\r\n\r\nok"), "attempt " + i + ", the whole answer then the FIN: " + answer);
                assertEquals(true, wholeUploadTaken, "the rest of the upload was read and dropped, not refused");
            }
        }
    }

    /** Everything until the proxy's FIN; a reset fails the test. */
    private static String readAll(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        byte[] buf = new byte[4096];
        int n;
        try {
            while ((n = in.read(buf)) >= 0) {
                b.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
            }
        } catch (IOException e) {
            throw new IOException(e + " after reading: " + b, e);
        }
        return b.toString();
    }
}
