package org.tandemlb.core.warmup;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A blocking HTTP/1.1 client on one connection (TLS when given a context): the warm-up's requests,
 * each read to the end of its response so the next can follow on the same connection.
 */
public final class Http1Client implements Client {

    private static final int MAX_LINE = 8192;

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private boolean open = true;

    private Http1Client(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new BufferedInputStream(socket.getInputStream());
    }

    /**
     * Connects to {@code address}, with TLS over {@code tls} when it is not null (offering only
     * {@code http/1.1} by ALPN), waiting at most {@code timeoutMs} milliseconds for each step.
     */
    public static Http1Client connect(InetSocketAddress address, SSLContext tls, int timeoutMs) throws IOException {
        Socket socket = tls == null ? new Socket() : tls.getSocketFactory().createSocket();
        try {
            socket.connect(address, timeoutMs);
            socket.setSoTimeout(timeoutMs);
            if (socket instanceof SSLSocket ssl) {
                SSLParameters parameters = ssl.getSSLParameters();
                parameters.setApplicationProtocols(new String[] {"http/1.1"});
                ssl.setSSLParameters(parameters);
                ssl.startHandshake();
            }
            return new Http1Client(socket);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Whether the server left the connection open after the last response. */
    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public int exchange(String path, byte[] body, int timeoutMs) throws IOException {
        socket.setSoTimeout(timeoutMs);
        StringBuilder head = new StringBuilder()
                .append(body == null ? "GET " : "POST ")
                .append(path)
                .append(" HTTP/1.1\r\nHost: localhost\r\nUser-Agent: tandem-warmup\r\n");
        if (body != null) {
            head.append("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ")
                    .append(body.length)
                    .append("\r\n");
        }
        out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        if (body != null) {
            out.write(body);
        }
        out.flush();
        return readResponse();
    }

    private int readResponse() throws IOException {
        String status = line();
        if (!status.startsWith("HTTP/1.") || status.length() < 12) {
            throw new IOException("not an HTTP/1.x response: " + status);
        }
        int code = Integer.parseInt(status.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        for (String header = line(); !header.isEmpty(); header = line()) {
            String h = header.toLowerCase(Locale.ROOT);
            if (h.startsWith("content-length:")) {
                length = Long.parseLong(h.substring(15).strip());
            } else if (h.startsWith("transfer-encoding:") && h.contains("chunked")) {
                chunked = true;
            } else if (h.startsWith("connection:") && h.contains("close")) {
                open = false;
            }
        }
        if (code == 204 || code == 304 || code < 200) {
            return code;
        }
        if (chunked) {
            for (long size = chunkSize(); size > 0; size = chunkSize()) {
                skip(size);
                line();
            }
            while (!line().isEmpty()) {
                // trailers
            }
        } else if (length >= 0) {
            skip(length);
        } else {
            in.transferTo(OutputStream.nullOutputStream()); // delimited by the close
            open = false;
        }
        return code;
    }

    private long chunkSize() throws IOException {
        String size = line();
        int extension = size.indexOf(';');
        return Long.parseLong((extension < 0 ? size : size.substring(0, extension)).strip(), 16);
    }

    private void skip(long n) throws IOException {
        in.skipNBytes(n); // EOFException when the response ends early
    }

    /** One line without its CRLF. */
    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0 || line.size() > MAX_LINE) {
                throw new IOException("the response ended early or has a line too long");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
