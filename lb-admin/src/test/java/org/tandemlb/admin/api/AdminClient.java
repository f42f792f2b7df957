package org.tandemlb.admin.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The admin API as a script or a browser uses it, over the JDK's HTTP client. */
final class AdminClient {
    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final String base;

    AdminClient(InetSocketAddress admin) {
        this.base = "http://" + admin.getHostString() + ":" + admin.getPort();
    }

    /** An answer: status, headers, body. */
    record Answer(int status, HttpResponse<String> response) {
        String body() {
            return response.body();
        }

        String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }

        JsonNode json() {
            try {
                return JSON.readTree(response.body());
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + response.body(), e);
            }
        }
    }

    Answer get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    /** A POST with {@code body}, and {@code Authorization: <authorization>} unless null. */
    Answer post(String path, String body, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return send(b);
    }

    Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r =
                    http.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** {@code GET /api/v1/status}, which must answer 200. */
    JsonNode status() {
        Answer a = get("/api/v1/status");
        if (a.status() != 200) {
            throw new AssertionError("status: " + a.status() + " " + a.body());
        }
        return a.json();
    }

    /** The server {@code backend/server} in {@code GET /api/v1/status}, or null. */
    JsonNode server(String backend, String server) {
        for (JsonNode b : status().get("backends")) {
            if (b.get("name").asText().equals(backend)) {
                for (JsonNode s : b.get("servers")) {
                    if (s.get("name").asText().equals(server)) {
                        return s;
                    }
                }
            }
        }
        return null;
    }

    /** {@code GET /metrics}, parsed. */
    Scrape metrics() {
        Answer a = get("/metrics");
        if (a.status() != 200) {
            throw new AssertionError("metrics: " + a.status() + " " + a.body());
        }
        return Scrape.parse(a.body());
    }

    /** One sample of the Prometheus text format: name, labels, value. */
    record Sample(String name, Map<String, String> labels, double value) {}

    /** The samples of a scrape, in order. */
    record Scrape(List<Sample> samples, String text) {
        private static final Pattern LINE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)");
        private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

        static Scrape parse(String text) {
            List<Sample> samples = text.lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("#"))
                    .map(l -> {
                        Matcher m = LINE.matcher(l);
                        if (!m.matches()) {
                            throw new AssertionError("not a Prometheus sample line: " + l);
                        }
                        Map<String, String> labels = new LinkedHashMap<>();
                        if (m.group(3) != null) {
                            Matcher lm = LABEL.matcher(m.group(3));
                            while (lm.find()) {
                                labels.put(lm.group(1), lm.group(2));
                            }
                        }
                        return new Sample(m.group(1), labels, Double.parseDouble(m.group(4)));
                    })
                    .toList();
            return new Scrape(samples, text);
        }

        List<Sample> named(String name) {
            return samples.stream().filter(s -> s.name().equals(name)).toList();
        }

        /** The value of the one sample of {@code name} with exactly {@code labels}; fails if absent. */
        double value(String name, Map<String, String> labels) {
            return samples.stream()
                    .filter(s -> s.name().equals(name) && s.labels().equals(labels))
                    .mapToDouble(Sample::value)
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no " + name + labels + " in\n" + text));
        }

        double value(String name, String... labelPairs) {
            Map<String, String> labels = new HashMap<>();
            for (int i = 0; i < labelPairs.length; i += 2) {
                labels.put(labelPairs[i], labelPairs[i + 1]);
            }
            return value(name, labels);
        }
    }
}
