package org.tandemlb.cluster.it;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tandemlb.core.config.HostPort;
import org.tandemlb.core.testsupport.ChildProcess;

/**
 * The client side of {@link BgpEcmpIT}, run in the client namespace behind the router: the
 * backends the nodes proxy to (plain HTTP servers), and on stdin's commands
 * <ul>
 * <li>{@code burst N}: N GETs to the VIP (8 at a time), each on a new connection from the next of the source
 * addresses in turn (the router's L4 hash spreads them by port), printing per (source, node,
 * server) {@code @@ TALLY <source> <node> <server> <count>}, per (source, error) {@code @@ FAILED
 * <source> <error> x<count>}, then {@code @@ BURST <failed>};</li>
 * <li>{@code probe MS}: a {@link Prober} for MS ms, printing {@code @@ P <epoch ms> <1|0>}.</li>
 * </ul>
 * Bounded: it exits after {@code max} ms, or when stdin closes.
 *
 * <pre>backends=10.2.0.50:8081,10.2.0.50:8082 target=10.3.0.100:8080 sources=10.2.0.50,10.2.0.51 max=180000</pre>
 */
public final class EcmpClientMain {
    private static final int WORKERS = 8;
    private static final Pattern HEADER = Pattern.compile("(?im)^(X-Node|X-Server):\\s*(\\S+)");

    private EcmpClientMain() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new TreeMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        for (String b : a.get("backends").split(",")) {
            HostPort hp = HostPort.parse(b);
            HttpServer server = HttpServer.create(new InetSocketAddress(hp.host(), hp.port()), 100);
            server.createContext("/", exchange -> {
                byte[] body = "app\n".getBytes(StandardCharsets.US_ASCII);
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.setExecutor(Executors.newFixedThreadPool(2));
            server.start();
        }
        HostPort target = HostPort.parse(a.get("target"));
        InetSocketAddress vip = new InetSocketAddress(target.host(), target.port());
        List<String> sources = List.of(a.get("sources").split(","));
        long max = Long.parseLong(a.get("max"));
        Executors.newSingleThreadScheduledExecutor().schedule(() -> System.exit(0), max, TimeUnit.MILLISECONDS);
        say("READY");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] f = line.trim().split(" ");
            switch (f[0]) {
                case "burst" -> burst(vip, sources, Integer.parseInt(f[1]));
                case "probe" ->
                    Prober.start(
                            List.of(vip),
                            Long.parseLong(f[1]),
                            (t, p) -> say("P " + p.atMillis() + " " + (p.ok() ? 1 : 0)));
                default -> say("UNKNOWN " + line);
            }
        }
        System.exit(0);
    }

    /** {@code n} connections, {@link #WORKERS} at a time, each worker one connection after the other. */
    private static void burst(InetSocketAddress vip, List<String> sources, int n) throws InterruptedException {
        Map<String, Integer> tally = new TreeMap<>();
        Map<String, Integer> failures = new TreeMap<>();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger next = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            Thread t = new Thread(() -> {
                for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                    String source = sources.get(i % sources.size());
                    String got = get(vip, source);
                    if (got.startsWith("!")) {
                        failed.incrementAndGet();
                        synchronized (failures) {
                            failures.merge(source + " " + got.substring(1), 1, Integer::sum);
                        }
                    } else {
                        synchronized (tally) {
                            tally.merge(source + " " + got, 1, Integer::sum);
                        }
                    }
                }
            });
            t.start();
            workers.add(t);
        }
        for (Thread t : workers) {
            t.join();
        }
        tally.forEach((k, v) -> say("TALLY " + k + " " + v));
        failures.forEach((k, v) -> say("FAILED " + k + " x" + v));
        say("BURST " + failed.get());
    }

    /** One GET on a new connection from {@code source}: "node server" from the headers, or "!why". */
    private static String get(InetSocketAddress vip, String source) {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
            // Generous: on a starved machine a node's JVM may not run for a second (its pause
            // detector then withdraws it for a moment), and its kernel holds the connection meanwhile.
            s.connect(vip, 3000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: vip\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readNBytes(4096), StandardCharsets.US_ASCII);
            if (!response.startsWith("HTTP/1.1 200")) {
                int nl = response.indexOf('\r');
                return "!" + (nl < 0 ? response : response.substring(0, nl)).replace(' ', '_');
            }
            Map<String, String> h = new TreeMap<>();
            Matcher m = HEADER.matcher(response);
            while (m.find()) {
                h.put(m.group(1).toLowerCase(Locale.ROOT), m.group(2));
            }
            return h.get("x-node") + " " + h.get("x-server");
        } catch (IOException e) {
            return "!" + (e.getClass().getSimpleName() + ":" + e.getMessage()).replace(' ', '_');
        }
    }

    private static void say(String s) {
        synchronized (System.out) {
            System.out.println("@@ " + s);
            System.out.flush();
        }
    }

    /** A JVM that runs this class with the test class path and {@code args}. */
    static ChildProcess.Builder command(List<String> args) {
        return ChildProcess.java(EcmpClientMain.class)
                .jvmArgs("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.net.preferIPv4Stack=true")
                .args(args);
    }
}
