package org.tandemlb.admin.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * {@code tandem run -c FILE} in a JVM of its own, with the test's classpath, as the README runs
 * it: its output collected (and echoed with the node's name), its admin API at hand, signalled
 * and stopped by its PID only.
 */
final class TandemProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final String name;
    final Process process;
    private final int adminPort;
    private final List<String> output = new CopyOnWriteArrayList<>();

    private TandemProcess(String name, Process process, int adminPort) {
        this.name = name;
        this.process = process;
        this.adminPort = adminPort;
    }

    /**
     * Starts {@code tandem run -c config}.
     *
     * @param adminPort the port of {@code admin.listen} in the file, on 127.0.0.1
     * @param env       added to the environment ({@code TANDEM_CLUSTER_SECRET}, ...)
     */
    static TandemProcess start(String name, Path config, int adminPort, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "org.tandemlb.admin.TandemCommand", "run", "-c", config.toString()).redirectErrorStream(true);
        pb.environment().putAll(env);
        TandemProcess p = new TandemProcess(name, pb.start(), adminPort);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    p.output.add(line);
                    System.out.println("[" + name + "] " + line);
                }
            } catch (IOException e) {
                // exited
            }
        }, "out-" + name);
        reader.setDaemon(true);
        reader.start();
        return p;
    }

    /** The body of {@code GET path} on the admin API; empty when it does not answer. */
    String get(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** {@code cluster.role} in {@code /api/v1/status}, or empty when the API does not answer. */
    String role() {
        String status = get("/api/v1/status");
        int at = status.indexOf("\"role\":\"");
        return at < 0 ? "" : status.substring(at + 8, status.indexOf('"', at + 8));
    }

    /** Sends {@code kill -SIG} to this process. */
    void signal(String sig) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).inheritIO().start().waitFor();
    }

    /** The exit code, waiting up to {@code timeout}; null when it is still running then. */
    Integer exitCode(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
    }

    /** Everything it printed so far. */
    String output() {
        return String.join("\n", output);
    }

    /** kill -9, if it still runs. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
