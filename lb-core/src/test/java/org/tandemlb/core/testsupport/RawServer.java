package org.tandemlb.core.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A deliberately plain server on a loopback socket that records what reaches it (bytes,
 * connections, and which connections its peer closed) and answers each request head it sees
 * with fixed raw bytes: a well-formed 200 by default (the recording server behind a proxy that
 * must forward nothing), or a malformed response a test scripts (a misbehaving server). It does
 * not parse HTTP: a request head ends at its first empty line, and a body is not skipped.
 *
 * <p>One thread per connection (tests open a few); {@link #close} closes every socket.
 */
public final class RawServer implements AutoCloseable {
    /** The answer of a server that behaves: {@code 200} with a two-byte body. */
    public static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    private final ServerSocket listener;
    private final byte[] response;
    private final boolean closeAfter;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger closedByPeer = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final StringBuffer received = new StringBuffer();

    private RawServer(String response, boolean closeAfter) throws IOException {
        this.response = response.getBytes(StandardCharsets.ISO_8859_1);
        this.closeAfter = closeAfter;
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "raw-server-" + listener.getLocalPort());
        t.setDaemon(true);
        t.start();
    }

    /** A server that answers every request head with {@link #OK} and keeps the connection. */
    public static RawServer recording() throws IOException {
        return new RawServer(OK, false);
    }

    /**
     * A server that answers every request head with {@code response} (raw, ISO-8859-1), then
     * closes the connection when {@code closeAfter}, or keeps it open.
     */
    public static RawServer answering(String response, boolean closeAfter) throws IOException {
        return new RawServer(response, closeAfter);
    }

    /** Its address on loopback. */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    /** {@code host:port}, as a server's address in a configuration. */
    public String hostPort() {
        return "127.0.0.1:" + listener.getLocalPort();
    }

    /** Bytes received so far, on all connections. */
    public long bytes() {
        return bytes.get();
    }

    /** What was received so far, as ISO-8859-1 text. */
    public String received() {
        return received.toString();
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** Connections that the peer closed (EOF or reset while reading). */
    public int closedByPeer() {
        return closedByPeer.get();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket s = listener.accept();
                connections.incrementAndGet();
                sockets.add(s);
                Thread t = new Thread(() -> serve(s), "raw-server-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[8192];
            StringBuilder pending = new StringBuilder();
            int n;
            while ((n = in.read(buf)) >= 0) {
                bytes.addAndGet(n);
                String text = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
                received.append(text);
                pending.append(text);
                int end;
                while ((end = pending.indexOf("\r\n\r\n")) >= 0) {
                    pending.delete(0, end + 4);
                    out.write(response);
                    out.flush();
                    if (closeAfter) {
                        return;
                    }
                }
            }
            closedByPeer.incrementAndGet();
        } catch (IOException e) {
            if (!listener.isClosed()) {
                closedByPeer.incrementAndGet(); // reset by the peer
            }
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
