package org.tandemlb.admin.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** What a client of the VIP sees: one fresh connection, one request, a 200 or not. */
final class VipProbe {
    private VipProbe() {}

    /** Whether {@code GET /} on {@code vip:port} is answered {@code 200} (connect within 0.5 s, answer within 2 s). */
    static boolean served(String vip, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(vip, port), 500);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: vip\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            return new String(in.readNBytes(12), StandardCharsets.US_ASCII).equals("HTTP/1.1 200");
        } catch (IOException e) {
            return false;
        }
    }
}
