package org.tandemlb.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.LoadBalancerException;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.config.TlsConfig;
import org.tandemlb.core.testsupport.ChildProcess;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.testsupport.TestBackends;
import org.tandemlb.core.testsupport.TestCertificates;
import org.tandemlb.core.testsupport.TestCertificates.Issued;
import org.tandemlb.core.testsupport.TestCertificates.KeyFormat;
import org.tandemlb.core.testsupport.TestCertificates.KeyType;

/** A certificate replaced on disk and reloaded under load: nothing fails, new connections get it. */
class CertificateReloadTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final TestBackends backends = new TestBackends();

    private LoadBalancer lb;
    private final ExecutorService clients = Executors.newFixedThreadPool(4);

    @AfterEach
    void stop() throws InterruptedException {
        clients.shutdownNow();
        clients.awaitTermination(10, TimeUnit.SECONDS);
        if (lb != null) {
            lb.close();
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void aReloadServesTheNewCertificateToNewConnectionsWithoutFailingAny(TlsProvider provider) throws Exception {
        TestCertificates ca = TestCertificates.create(dir.resolve("ca"));
        Issued before = ca.issue("before", KeyType.EC, KeyFormat.PKCS8, "www.test");
        Issued after = ca.issue("after", KeyType.RSA, KeyFormat.TRADITIONAL, "www.test");
        Path cert = dir.resolve("www.pem");
        Path key = dir.resolve("www.key");
        Files.copy(before.chain(), cert);
        Files.copy(before.key(), key);
        LoadBalancerConfig config = LoadBalancerConfig.builder()
                .backend(BackendConfig.builder("be", Mode.HTTP)
                        .server(ServerConfig.builder(
                                        "web", backends.start("web").hostPort())
                                .build())
                        .build())
                .frontend(FrontendConfig.builder("fe", Mode.HTTP)
                        .bind("127.0.0.1:0")
                        .defaultBackend("be")
                        .tls(TlsConfig.builder().certificate(cert, key).build())
                        .build())
                .build();
        lb = LoadBalancer.builder(config).threads(2).tlsProvider(provider).build();
        lb.start();
        int port = lb.address("fe").getPort();
        SSLContext trusting = trusting(ca.caCertificate());
        assertEquals(serial(before.certificate()), served(trusting, port));

        // A keep-alive connection opened before the reload, used again after it.
        Connection established = handshake(trusting, port);
        assertEquals(200, established.get());

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        Future<?>[] load = new Future<?>[3];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        for (int i = 0; i < load.length; i++) {
            load[i] = clients.submit(() -> {
                // Bounded: at most 1000 requests or 15 s per client.
                for (int n = 0; n < 1000 && !stop.get() && System.nanoTime() < deadline; n++) {
                    try (Connection c = handshake(trusting, port)) {
                        if (c.get() == 200) {
                            ok.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                        }
                    } catch (IOException e) {
                        failed.incrementAndGet();
                    }
                }
            });
        }
        org.awaitility.Awaitility.await().until(() -> ok.get() >= 50);
        Files.copy(after.chain(), cert, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(after.key(), key, StandardCopyOption.REPLACE_EXISTING);
        lb.apply(config);
        int atReload = ok.get();
        org.awaitility.Awaitility.await().until(() -> ok.get() >= atReload + 50);
        stop.set(true);
        for (Future<?> f : load) {
            f.get(30, TimeUnit.SECONDS);
        }
        assertEquals(0, failed.get(), ok.get() + " requests succeeded");
        // A client with no session to resume: one that resumes a session made before the reload
        // (the ticket keys did not change) rightly sees that session's certificate.
        assertEquals(
                serial(after.certificate()),
                served(trusting(ca.caCertificate()), port),
                "new connections get the new one");
        assertEquals(200, established.get(), "the connection made before the reload goes on");
        established.close();

        // A key that does not match its certificate: the reload is refused, naming the key file.
        Files.copy(before.key(), key, StandardCopyOption.REPLACE_EXISTING);
        LoadBalancerException e = assertThrows(LoadBalancerException.class, () -> lb.apply(config));
        assertTrue(e.getMessage().contains(key + ": this key does not match the certificate " + cert), e.getMessage());
        assertEquals(serial(after.certificate()), served(trusting(ca.caCertificate()), port), "nothing changed");
    }

    /**
     * The same under h2load (HTTP/2 over TLS): one run whose connections span three reloads, and
     * one started after the first reload, whose connections are made with the new certificate.
     */
    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void h2loadTrafficSeesNoFailedRequestAcrossCertificateReloads(TlsProvider provider) throws Exception {
        TestCertificates ca = TestCertificates.create(dir.resolve("ca"));
        Issued one = ca.issue("one", KeyType.EC, KeyFormat.PKCS8, "www.test");
        Issued two = ca.issue("two", KeyType.RSA, KeyFormat.TRADITIONAL, "www.test");
        Path cert = dir.resolve("www.pem");
        Path key = dir.resolve("www.key");
        Files.copy(one.chain(), cert);
        Files.copy(one.key(), key);
        TestBackend web = backends.start("web");
        LoadBalancerConfig config = LoadBalancerConfig.builder()
                .backend(BackendConfig.builder("be", Mode.HTTP)
                        .server(ServerConfig.builder("web", web.hostPort()).build())
                        .build())
                .frontend(FrontendConfig.builder("fe", Mode.HTTP)
                        .bind("127.0.0.1:0")
                        .defaultBackend("be")
                        .tls(TlsConfig.builder().certificate(cert, key).build())
                        .build())
                .build();
        lb = LoadBalancer.builder(config).threads(2).tlsProvider(provider).build();
        lb.start();
        int port = lb.address("fe").getPort();
        String url = "https://127.0.0.1:" + port + "/";
        SSLContext trusting = trusting(ca.caCertificate());
        try (ChildProcess spanning = h2load("-c", "4", "-m", "8", "-D", "6", url)) {
            org.awaitility.Awaitility.await().until(() -> lb.frontend("fe").currentConnections() >= 4);
            Issued[] order = {two, one, two};
            ChildProcess after = null;
            try {
                for (int i = 0; i < order.length; i++) {
                    long before = web.requests(); // each reload under traffic: 500 requests between
                    org.awaitility.Awaitility.await().until(() -> web.requests() >= before + 500);
                    Files.copy(order[i].chain(), cert, StandardCopyOption.REPLACE_EXISTING);
                    Files.copy(order[i].key(), key, StandardCopyOption.REPLACE_EXISTING);
                    lb.apply(config);
                    assertEquals(serial(order[i].certificate()), served(trusting, port), "reload " + (i + 1));
                    if (i == 0) {
                        after = h2load("-c", "4", "-m", "8", "-n", "4000", url);
                    }
                }
                assertNoFailure(after, 4000);
            } finally {
                if (after != null) {
                    after.close();
                }
            }
            assertNoFailure(spanning, 1);
        }
    }

    private static ChildProcess h2load(String... args) throws IOException {
        return ChildProcess.command("h2load").args(args).name("h2load").start();
    }

    /** Waits for an h2load run and checks that it made at least {@code min} requests, all succeeded. */
    private static void assertNoFailure(ChildProcess h2load, int min) throws Exception {
        assertTrue(h2load.awaitExit(Duration.ofSeconds(60)), "h2load ended");
        String out = h2load.text();
        Matcher m = Pattern.compile("(\\d+) succeeded, (\\d+) failed, (\\d+) errored, (\\d+) timeout")
                .matcher(out);
        assertTrue(m.find(), out);
        assertTrue(Integer.parseInt(m.group(1)) >= min, out);
        assertEquals("0 0 0", m.group(2) + " " + m.group(3) + " " + m.group(4), out);
        assertTrue(out.contains("Application protocol: h2"), out);
    }

    private static BigInteger serial(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return ((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in))
                    .getSerialNumber();
        }
    }

    private static SSLContext trusting(Path ca) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(ca)) {
            store.setCertificateEntry(
                    "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** The serial number of the certificate a new connection gets. */
    private static BigInteger served(SSLContext ctx, int port) throws IOException {
        try (Connection c = handshake(ctx, port)) {
            return c.serial;
        }
    }

    private static Connection handshake(SSLContext ctx, int port) throws IOException {
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(java.util.List.of(new SNIHostName("www.test")));
        s.setSSLParameters(p);
        s.startHandshake();
        BigInteger serial = ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        return new Connection(s, serial);
    }

    /** A TLS connection to the frontend, for keep-alive GETs. */
    private static final class Connection implements AutoCloseable {
        final SSLSocket socket;
        final BigInteger serial;
        final BufferedReader in;
        final OutputStream out;

        Connection(SSLSocket socket, BigInteger serial) throws IOException {
            this.socket = socket;
            this.serial = serial;
            this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            this.out = socket.getOutputStream();
        }

        /** GET / on this connection; the status. */
        int get() throws IOException {
            out.write("GET / HTTP/1.1\r\nHost: www.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = in.readLine();
            int length = 0;
            for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) {
                if (h.regionMatches(true, 0, "content-length:", 0, 15)) {
                    length = Integer.parseInt(h.substring(15).trim());
                }
            }
            for (int i = 0; i < length; i++) {
                in.read();
            }
            return status == null ? -1 : Integer.parseInt(status.split(" ")[1]);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
