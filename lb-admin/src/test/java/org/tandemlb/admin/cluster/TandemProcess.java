package org.tandemlb.admin.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.tandemlb.admin.TandemCommand;
import org.tandemlb.core.testsupport.ChildProcess;

/**
 * {@code tandem run -c FILE} in a JVM of its own ({@link ChildProcess}), as the README runs it,
 * with its admin API at hand: what the cluster ITs (and the monitoring tests) ask of a daemon.
 */
public final class TandemProcess implements AutoCloseable {
    /** The line the daemon logs once its admin server listens, with the port (port 0 in the file included). */
    private static final Pattern ADMIN_LISTENS = Pattern.compile("admin API, /metrics and status page on [^ ]+:(\\d+)");

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public final String name;
    private final ChildProcess child;
    private final int adminPort;

    private TandemProcess(String name, ChildProcess child, int adminPort) {
        this.name = name;
        this.child = child;
        this.adminPort = adminPort;
    }

    /**
     * Starts {@code tandem run -c config}.
     *
     * @param adminPort the port of {@code admin.listen} in the file, on 127.0.0.1; 0 when the file
     *                  says port 0, and the port is then read from the daemon's log
     * @param env       added to the environment ({@code TANDEM_CLUSTER_SECRET}, ...)
     */
    public static TandemProcess start(String name, Path config, int adminPort, Map<String, String> env)
            throws IOException {
        ChildProcess.Builder b = ChildProcess.java(TandemCommand.class)
                .name(name)
                .echo()
                .jvmArgs("-Xmx128m", "-XX:+UseSerialGC")
                .args("run", "-c", config.toString());
        env.forEach(b::env);
        ChildProcess child = b.start();
        if (adminPort != 0) {
            return new TandemProcess(name, child, adminPort);
        }
        try {
            int port = Integer.parseInt(
                    child.awaitLine(ADMIN_LISTENS, Duration.ofSeconds(60)).group(1));
            return new TandemProcess(name, child, port);
        } catch (RuntimeException | Error e) {
            child.close();
            throw e;
        }
    }

    /** The port of its admin API, on 127.0.0.1. */
    public int adminPort() {
        return adminPort;
    }

    /** The body of {@code GET path} on the admin API; empty when it does not answer. */
    public String get(String path) {
        try {
            return HTTP.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                                    .timeout(Duration.ofSeconds(2))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** {@code cluster.role} in {@code /api/v1/status}, or empty when the API does not answer. */
    public String role() {
        String status = get("/api/v1/status");
        int at = status.indexOf("\"role\":\"");
        return at < 0 ? "" : status.substring(at + 8, status.indexOf('"', at + 8));
    }

    /** Sends the signal to this process's PID. */
    public void signal(ChildProcess.Signal signal) {
        child.signal(signal);
    }

    /** Whether the process still runs. */
    public boolean isAlive() {
        return child.isAlive();
    }

    /** The exit code, waiting up to {@code timeout}; null when it is still running then. */
    public Integer exitCode(Duration timeout) {
        return child.awaitExit(timeout) ? child.exitCode() : null;
    }

    /** Everything it printed so far. */
    public String output() {
        return child.output();
    }

    /** kill -9, if it still runs. */
    public void kill() {
        child.kill();
    }

    /** kill -9, if it still runs. */
    @Override
    public void close() {
        child.close();
    }
}
