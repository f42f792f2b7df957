package org.tandemlb.examples.foobar;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * The client of the failover drill of {@code examples/foobar/run-local.sh --check}: a new HTTPS
 * connection and one {@code GET} after another, each answer written as a line {@code START_MS
 * END_MS STATUS} ({@code 000}: no answer), until a stop file appears. One warm JVM rather than a
 * curl process per request, so that on a busy host the probe measures the site, not the start of
 * its own processes.
 *
 * <pre>
 * java ... Probe --connect=127.0.0.100:8443 --host=www.foobar.com --ca=www.crt --path=/ \
 *     --pause-ms=20 --out=probe.txt --stop=probe.txt.stop
 * </pre>
 */
public final class Probe {

    private static final int CONNECT_TIMEOUT_MS = 1000;
    private static final int READ_TIMEOUT_MS = 2000;

    private Probe() {}

    /** Runs until the stop file exists; see the class comment for the options. */
    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("options are --key=value, not " + arg);
            }
            o.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        String connect = o.get("connect");
        int colon = connect.lastIndexOf(':');
        InetSocketAddress address =
                new InetSocketAddress(connect.substring(0, colon), Integer.parseInt(connect.substring(colon + 1)));
        SSLContext tls = trusting(Path.of(o.get("ca")));
        String host = o.get("host");
        byte[] request = ("GET " + o.getOrDefault("path", "/") + " HTTP/1.1\r\nHost: " + host
                        + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        long pauseNanos = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(o.getOrDefault("pause-ms", "20")));
        Path stop = Path.of(o.get("stop"));
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(Path.of(o.get("out"))))) {
            while (!Files.exists(stop)) {
                long start = System.currentTimeMillis();
                int status = get(tls, address, host, request);
                out.printf("%d %d %03d%n", start, System.currentTimeMillis(), status);
                out.flush();
                LockSupport.parkNanos(pauseNanos); // the pace of the probe, not a wait for a condition
            }
        }
    }

    /** One request on a new connection: the response's status, or 0 when there is none. */
    private static int get(SSLContext tls, InetSocketAddress address, String host, byte[] request) {
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket()) {
            socket.connect(address, CONNECT_TIMEOUT_MS);
            socket.setSoTimeout(READ_TIMEOUT_MS);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(host)));
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] head = in.readNBytes(12); // "HTTP/1.1 200"
            if (head.length < 12) {
                return 0;
            }
            int status = Integer.parseInt(new String(head, 9, 3, StandardCharsets.US_ASCII));
            while (in.read(new byte[8192]) >= 0) {
                // the whole response, so that a cut one counts as a failure below
            }
            return status;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private static SSLContext trusting(Path ca) throws IOException, GeneralSecurityException {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(ca)) {
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca" + i++, c);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }
}
