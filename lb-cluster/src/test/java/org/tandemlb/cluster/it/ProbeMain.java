package org.tandemlb.cluster.it;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.tandemlb.core.config.HostPort;
import org.tandemlb.core.testsupport.ChildProcess;

/**
 * The client side of the network-namespace tests, run inside the client namespace: an HTTP server
 * (the backend both nodes proxy to) and a prober that sends {@code GET /} to the VIP every 20 ms,
 * printing {@code @@ P <epoch ms> <1|0> <stream>} per probe. With several targets
 * ({@code target=a:80,b:80}), one stream per target ({@code 0}, {@code 1}...) and one more that takes the
 * targets in turn ({@code rr0}, {@code rr1}... by the target it went to). Bounded: it exits after {@code max} ms, or
 * when stdin closes.
 *
 * <pre>backend=10.1.2.50:8081 target=10.1.2.100:8080 max=180000</pre>
 */
public final class ProbeMain {

    private ProbeMain() {}

    public static void main(String[] args) throws Exception {
        HostPort backend = HostPort.parse(args[0].substring("backend=".length()));
        long max = Long.parseLong(args[2].substring("max=".length()));
        HttpServer server = HttpServer.create(new InetSocketAddress(backend.host(), backend.port()), 100);
        server.createContext("/", exchange -> {
            byte[] body = "app\n".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        List<InetSocketAddress> targets = new ArrayList<>();
        for (String t : args[1].substring("target=".length()).split(",")) {
            HostPort hp = HostPort.parse(t);
            targets.add(new InetSocketAddress(hp.host(), hp.port()));
        }
        for (int i = 0; i < targets.size(); i++) {
            String stream = Integer.toString(i);
            Prober.start(List.of(targets.get(i)), max, (t, p) -> print(p, stream));
        }
        if (targets.size() > 1) {
            // A client of the site that resolves it to every VIP and takes them in turn (DNS
            // round-robin as a client sees it): stream rrN, N the VIP it went to.
            Prober.start(targets, max, (t, p) -> print(p, "rr" + t));
        }
        Executors.newSingleThreadScheduledExecutor().schedule(() -> System.exit(0), max, TimeUnit.MILLISECONDS);
        System.out.println("@@ READY");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (in.readLine() != null) {
            // nothing to do: closing stdin ends the prober
        }
        System.exit(0);
    }

    private static void print(Prober.Probe p, String stream) {
        synchronized (System.out) {
            System.out.println("@@ P " + p.atMillis() + " " + (p.ok() ? 1 : 0) + " " + stream);
            System.out.flush();
        }
    }

    /** A JVM that runs this class with the test class path and {@code args}. */
    static ChildProcess.Builder command(List<String> args) {
        return ChildProcess.java(ProbeMain.class)
                .jvmArgs("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
                .args(args);
    }
}
