package org.tandemlb.admin.monitoring;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.tandemlb.core.testsupport.ChildProcess;
import org.tandemlb.core.testsupport.ExternalProcesses;

/**
 * A real Prometheus ({@code /usr/bin/prometheus}, Debian package prometheus) run by a test: its
 * own config file and data directory, listening on 127.0.0.1 port 0 (the port it got is read
 * from its log), stopped by its PID; read through its HTTP API as Grafana and a user read it.
 */
final class PrometheusServer implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("msg=\"Listening on\" address=127\\.0\\.0\\.1:(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final ChildProcess child;
    private final int port;

    private PrometheusServer(ChildProcess child, int port) {
        this.child = child;
        this.port = port;
    }

    /** Starts Prometheus with {@code config}, its data in {@code data}, and returns once it is ready. */
    static PrometheusServer start(Path config, Path data) throws IOException {
        Path prometheus = ExternalProcesses.requireBinary("prometheus", "/usr/bin/prometheus");
        ChildProcess child = ChildProcess.command(
                        prometheus.toString(),
                        "--config.file=" + config,
                        "--storage.tsdb.path=" + data,
                        "--web.listen-address=127.0.0.1:0")
                .name("prometheus")
                .start();
        try {
            int port = Integer.parseInt(
                    child.awaitLine(LISTENING, Duration.ofSeconds(30)).group(1));
            PrometheusServer server = new PrometheusServer(child, port);
            await("prometheus ready").atMost(Duration.ofSeconds(30)).until(server::ready);
            return server;
        } catch (RuntimeException | Error e) {
            child.close();
            throw e;
        }
    }

    private boolean ready() {
        try {
            return get("/-/ready").statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /** The {@code result} of an instant query (a vector: one element per series); fails on an error. */
    JsonNode query(String promql) throws IOException {
        HttpResponse<String> r = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        JsonNode body = JSON.readTree(r.body());
        if (r.statusCode() != 200 || !body.path("status").asText().equals("success")) {
            throw new AssertionError("query " + promql + ": " + r.statusCode() + " " + r.body());
        }
        return body.path("data").path("result");
    }

    /** The states ({@code pending}, {@code firing}) of the alerts named {@code name} now. */
    List<String> alertStates(String name) throws IOException {
        JsonNode body = JSON.readTree(get("/api/v1/alerts").body());
        List<String> states = new ArrayList<>();
        for (JsonNode alert : body.path("data").path("alerts")) {
            if (alert.path("labels").path("alertname").asText().equals(name)) {
                states.add(alert.path("state").asText());
            }
        }
        return states;
    }

    private HttpResponse<String> get(String path) throws IOException {
        try {
            return HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** What it logged so far, for a failing test's message. */
    String output() {
        return child.output();
    }

    /** SIGTERM to its PID (SIGKILL after 10 s), and waits for it to exit. */
    @Override
    public void close() {
        child.stop(Duration.ofSeconds(10));
    }
}
