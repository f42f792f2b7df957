package org.tandemlb.admin.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.admin.daemon.Daemon;
import org.tandemlb.core.testsupport.NginxServer;

/**
 * The status page's history and events in a real headless Chromium, during a drill an operator
 * runs: two real Nginx servers under steady traffic, one crashes (SIGKILL) and comes back. The
 * test reads the rendered DOM: sparklines drawn for the backend and each server, "down since" /
 * "up since", the events of the crash and the recovery; and it takes a screenshot at each step
 * (with {@code -Dtandem.screenshots=DIR} they are also copied there: docs/images holds the ones
 * the documentation shows).
 */
class StatusPageHistoryBrowserTest {
    /** One request every 25 ms, at most this many, for at most {@link #LOAD_TIME}. */
    private static final int MAX_REQUESTS = 4000;

    private static final Duration LOAD_TIME = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private NginxServer web1;
    private NginxServer web2;
    private Daemon daemon;
    private Chromium chromium;
    private ScheduledExecutorService load;
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();

    private static NginxServer nginx(String name) {
        return NginxServer.start(
                "location /health { return 200 'ok\\n'; }\n" + "location / { return 200 '" + name + "\\n'; }");
    }

    @BeforeEach
    void start() throws Exception {
        web1 = nginx("web1");
        web2 = nginx("web2");
        Path file = Files.writeString(
                dir.resolve("tandem.yaml"), """
                node: lb1
                admin:
                  listen: 127.0.0.1:0
                frontends:
                  - name: www
                    bind: 127.0.0.1:0
                    default_backend: web
                backends:
                  - name: web
                    balance: roundrobin
                    health_check: { type: http, path: /health, interval: 300ms, timeout: 1s, rise: 2, fall: 2 }
                    servers:
                      - { name: web1, address: 127.0.0.1:%d }
                      - { name: web2, address: 127.0.0.1:%d }
                """.formatted(web1.port(), web2.port()), StandardCharsets.UTF_8);
        daemon = new Daemon(Map.of(), 1, Daemon.Admin.REQUIRED);
        daemon.start(ConfigLoader.load(file, Map.of()), file);
        chromium = Chromium.start(dir);
    }

    @AfterEach
    void stop() {
        if (load != null) {
            load.shutdownNow();
        }
        if (chromium != null) {
            chromium.close();
        }
        if (daemon != null) {
            daemon.stop();
        }
        for (NginxServer n : new NginxServer[] {web1, web2}) {
            if (n != null) {
                n.close();
            }
        }
    }

    /** Steady traffic through the frontend, paced by a scheduler, bounded in count and time. */
    private void startLoad() {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        URI uri = URI.create(
                "http://127.0.0.1:" + daemon.loadBalancer().address("www").getPort() + "/");
        long deadline = System.nanoTime() + LOAD_TIME.toNanos();
        load = Executors.newSingleThreadScheduledExecutor();
        load.scheduleAtFixedRate(
                () -> {
                    if (sent.get() >= MAX_REQUESTS || System.nanoTime() > deadline) {
                        load.shutdown();
                        return;
                    }
                    sent.incrementAndGet();
                    try {
                        HttpResponse<String> r = http.send(
                                HttpRequest.newBuilder(uri)
                                        .timeout(Duration.ofSeconds(2))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 200) {
                            failed.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failed.incrementAndGet();
                    }
                },
                0,
                25,
                TimeUnit.MILLISECONDS);
    }

    private JsonNode page(String expression) throws Exception {
        return chromium.evaluate(expression);
    }

    /** The number of points the sparkline of {@code kind} for {@code key} draws. */
    private int points(String key, String kind) throws Exception {
        return page("(() => { const s = document.querySelector(\"[data-history='" + key + "'] .spark-" + kind
                        + "\"); return s && s.dataset.points ? Number(s.dataset.points) : -1; })()")
                .asInt();
    }

    /** The events the page lists, newest first, as {@code type subject message}. */
    private List<String> events() throws Exception {
        JsonNode rows = page("[...document.querySelectorAll('#events tr[data-seq]')]"
                + ".map(tr => [...tr.children].slice(1).map(td => td.textContent).join(' '))");
        return AdminClient.JSON.convertValue(
                rows, AdminClient.JSON.getTypeFactory().constructCollectionType(List.class, String.class));
    }

    private String since(String server) throws Exception {
        return page("document.querySelector(\"tr[data-server='" + server + "'] .since\").textContent")
                .asText();
    }

    private void screenshot(String name) throws Exception {
        Path shot = dir.resolve(name);
        chromium.screenshot(shot, 1360);
        String copyTo = System.getProperty("tandem.screenshots");
        if (copyTo != null && !copyTo.isBlank()) {
            Files.copy(shot, Path.of(copyTo).resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void sparklinesAndEventsFollowAServerThatCrashesAndComesBack() throws Exception {
        startLoad();
        chromium.navigate(
                "http://127.0.0.1:" + daemon.adminAddress().orElseThrow().getPort() + "/");

        // Serving: the sparklines fill in, one point per second.
        await("sparklines of the backend and both servers")
                .atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> points("backend:web", "requests") >= 8
                        && points("server:web/web1", "requests") >= 8
                        && points("server:web/web2", "requests") >= 8
                        && points("server:web/web1", "p99") >= 8);
        assertEquals(
                2,
                page("document.querySelectorAll(\"[data-history='server:web/web1'] svg polyline, "
                                + "[data-history='server:web/web1'] svg line\").length >= 2 ? 2 : 0")
                        .asInt(),
                "the sparkline is an inline SVG drawn by the page");
        assertTrue(since("web/web1").startsWith("up since "), since("web/web1"));
        screenshot("status-failover-1-serving.png");

        // web1 crashes: it shows down, since when, and the event says why.
        web1.kill();
        await("the page shows web1 down with its event")
                .atMost(Duration.ofSeconds(15))
                .ignoreExceptions()
                .until(() -> since("web/web1").startsWith("down since ")
                        && events().stream().anyMatch(e -> e.startsWith("server_health web/web1 down: http check: ")));
        assertTrue(since("web/web2").startsWith("up since "), since("web/web2"));
        int sentAtCrash = sent.get();
        await("traffic goes on through web2").atMost(Duration.ofSeconds(15)).until(() -> sent.get() > sentAtCrash + 80);
        screenshot("status-failover-2-web1-down.png");

        // web1 comes back on its port: up again after `rise` checks, both events listed, newest first.
        web1.start();
        await("the page shows web1 up again")
                .atMost(Duration.ofSeconds(15))
                .ignoreExceptions()
                .until(() -> since("web/web1").startsWith("up since ")
                        && events().get(0).startsWith("server_health web/web1 up: http check: 200"));
        int sentAtRecovery = sent.get();
        await("a few more seconds of traffic for the sparklines")
                .atMost(Duration.ofSeconds(15))
                .until(() -> sent.get() > sentAtRecovery + 200);
        await("the sparklines caught up")
                .atMost(Duration.ofSeconds(10))
                .ignoreExceptions()
                .until(() -> points("server:web/web1", "requests") >= 20);
        screenshot("status-failover-3-web1-back.png");

        List<String> events = events();
        int down = indexOf(events, "server_health web/web1 down: ");
        int up = indexOf(events, "server_health web/web1 up: ");
        assertTrue(up >= 0 && down > up, "newest first: down, then up above it: " + events);
        assertEquals(List.of(), chromium.problems(), "no script error, no CSP violation");
        assertTrue(failed.get() <= 5, failed.get() + " of " + sent.get() + " requests failed during the drill");
    }

    private static int indexOf(List<String> events, String prefix) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }
}
