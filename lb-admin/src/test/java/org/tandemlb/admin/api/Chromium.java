package org.tandemlb.admin.api;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.tandemlb.core.testsupport.ExternalProcesses;

/**
 * A real headless Chromium (Debian package {@code chromium}), driven over the Chrome DevTools
 * Protocol with the JDK's WebSocket client: navigate, evaluate JavaScript, click at an element's
 * position and type, as a user's mouse and keyboard do. Started with a fresh profile directory of
 * its own; {@link #close()} stops the browser and its helper processes by PID and deletes it.
 */
final class Chromium implements AutoCloseable {
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);

    private final Process process;
    private final Path profile;
    private final Path log;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> calls = new ConcurrentHashMap<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();

    private Chromium(Process process, Path profile, Path log, WebSocket socket) {
        this.process = process;
        this.profile = profile;
        this.log = log;
        this.socket = socket;
    }

    /** Starts Chromium on about:blank and attaches to its page; its output goes to {@code logDir}. */
    static Chromium start(Path logDir) throws Exception {
        Path binary = ExternalProcesses.requireBinary("chromium", "chromium", "/usr/bin/chromium");
        Path profile = ExternalProcesses.createTempDir("tandem-chromium-");
        Path log = logDir.resolve("chromium.log");
        Process process = ExternalProcesses.launch(
                List.of(
                        binary.toString(),
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-quic",
                        "--no-first-run",
                        "--no-default-browser-check",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--disable-extensions",
                        "--password-store=basic",
                        "--window-size=1280,900",
                        "--user-data-dir=" + profile,
                        "--remote-debugging-address=127.0.0.1",
                        "--remote-debugging-port=0",
                        "about:blank"),
                logDir,
                log);
        try {
            // Chromium writes the port it chose and the browser's path to this file once it listens.
            Path activePort = profile.resolve("DevToolsActivePort");
            ExternalProcesses.awaitReady(
                    "chromium", process, log, 0, Duration.ofSeconds(30), () -> readPort(activePort) > 0);
            int port = readPort(activePort);
            HttpClient http = HttpClient.newHttpClient();
            // The first tab opens just after the DevTools port does.
            String pageSocket = await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> pageSocket(http, port), java.util.Objects::nonNull);
            Chromium[] self = new Chromium[1];
            WebSocket ws = http.newWebSocketBuilder()
                    .buildAsync(URI.create(pageSocket), new WebSocket.Listener() {
                        private final StringBuilder message = new StringBuilder();

                        @Override
                        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                            message.append(data);
                            if (last) {
                                String text = message.toString();
                                message.setLength(0);
                                self[0].received(text);
                            }
                            webSocket.request(1);
                            return null;
                        }
                    })
                    .get(10, TimeUnit.SECONDS);
            Chromium chromium = new Chromium(process, profile, log, ws);
            self[0] = chromium;
            chromium.call("Runtime.enable", Map.of());
            chromium.call("Log.enable", Map.of());
            chromium.call("Page.enable", Map.of());
            return chromium;
        } catch (Exception | Error e) {
            stopProcessTree(process);
            ExternalProcesses.deleteRecursively(profile);
            throw e;
        }
    }

    /** The DevTools WebSocket of the first page, or null while there is none. */
    private static String pageSocket(HttpClient http, int port) throws Exception {
        JsonNode targets = AdminClient.JSON.readTree(http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body());
        for (JsonNode t : targets) {
            if (t.path("type").asText().equals("page")) {
                return t.get("webSocketDebuggerUrl").asText();
            }
        }
        return null;
    }

    private static int readPort(Path activePort) {
        try {
            List<String> lines = Files.readAllLines(activePort, StandardCharsets.UTF_8);
            return lines.size() >= 2 ? Integer.parseInt(lines.get(0).trim()) : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    private void received(String text) {
        JsonNode message;
        try {
            message = AdminClient.JSON.readTree(text);
        } catch (IOException e) {
            problems.add("unreadable DevTools message: " + text);
            return;
        }
        if (message.has("id")) {
            CompletableFuture<JsonNode> call = calls.remove(message.get("id").asInt());
            if (call != null) {
                if (message.has("error")) {
                    call.completeExceptionally(new IllegalStateException("DevTools: " + message.get("error")));
                } else {
                    call.complete(message.get("result"));
                }
            }
            return;
        }
        // Events: what the page's console and script report as errors (a CSP violation among them).
        String method = message.path("method").asText();
        if (method.equals("Runtime.exceptionThrown")) {
            problems.add("exception: " + message.path("params").path("exceptionDetails"));
        } else if (method.equals("Log.entryAdded")
                && message.path("params").path("entry").path("level").asText().equals("error")) {
            problems.add("console: "
                    + message.path("params").path("entry").path("text").asText());
        } else if (method.equals("Runtime.consoleAPICalled")
                && message.path("params").path("type").asText().equals("error")) {
            problems.add("console.error: " + message.path("params").path("args"));
        }
    }

    /** Calls a DevTools method and waits for its result. */
    JsonNode call(String method, Map<String, ?> params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> result = new CompletableFuture<>();
        calls.put(id, result);
        ObjectNode request = AdminClient.JSON.createObjectNode();
        request.put("id", id);
        request.put("method", method);
        request.set("params", AdminClient.JSON.valueToTree(params));
        socket.sendText(AdminClient.JSON.writeValueAsString(request), true).get(10, TimeUnit.SECONDS);
        return result.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Opens {@code url} in the page. */
    void navigate(String url) throws Exception {
        JsonNode r = call("Page.navigate", Map.of("url", url));
        if (r.has("errorText")) {
            throw new IllegalStateException(
                    "cannot open " + url + ": " + r.get("errorText").asText());
        }
    }

    /** The value of a JavaScript expression in the page (JSON-like values). */
    JsonNode evaluate(String expression) throws Exception {
        JsonNode r =
                call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
        if (r.has("exceptionDetails")) {
            throw new IllegalStateException("script failed: " + r.get("exceptionDetails"));
        }
        return r.path("result").path("value");
    }

    /**
     * Clicks the middle of the element {@code selector} with the mouse: the browser decides what is
     * under the pointer, as for a user (a hidden or covered element does not get the click).
     */
    void click(String selector) throws Exception {
        JsonNode box =
                evaluate("(() => { const e = document.querySelector(" + AdminClient.JSON.writeValueAsString(selector)
                        + "); if (!e) return null; e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
                        + " return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()");
        if (box.isNull() || box.isMissingNode()) {
            throw new AssertionError("nothing on the page matches " + selector);
        }
        double x = box.get("x").asDouble();
        double y = box.get("y").asDouble();
        call("Input.dispatchMouseEvent", Map.of("type", "mouseMoved", "x", x, "y", y));
        call(
                "Input.dispatchMouseEvent",
                Map.of("type", "mousePressed", "x", x, "y", y, "button", "left", "clickCount", 1));
        call(
                "Input.dispatchMouseEvent",
                Map.of("type", "mouseReleased", "x", x, "y", y, "button", "left", "clickCount", 1));
    }

    /** Types {@code text} into the focused element, as a keyboard does. */
    void type(String text) throws Exception {
        call("Input.insertText", Map.of("text", text));
    }

    /**
     * Saves a PNG of the whole page, {@code width} CSS pixels wide and as tall as the page is at
     * that width (not only the window), to {@code file}.
     */
    void screenshot(Path file, int width) throws Exception {
        try {
            metrics(width, 900);
            int height = evaluate("document.documentElement.scrollHeight").asInt();
            metrics(width, height);
            JsonNode shot = call("Page.captureScreenshot", Map.of("format", "png"));
            Files.write(file, Base64.getDecoder().decode(shot.get("data").asText()));
        } finally {
            call("Emulation.clearDeviceMetricsOverride", Map.of());
        }
    }

    private void metrics(int width, int height) throws Exception {
        call(
                "Emulation.setDeviceMetricsOverride",
                Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", false));
    }

    /** Script exceptions and console errors seen so far. */
    List<String> problems() {
        return List.copyOf(problems);
    }

    /** The browser's own output, for a failure message. */
    String log() {
        return ExternalProcesses.tail(log, 30);
    }

    /** Stops Chromium and its helper processes, by PID, and deletes its profile directory. */
    @Override
    public void close() {
        socket.abort();
        stopProcessTree(process);
        ExternalProcesses.deleteRecursively(profile);
    }

    /**
     * SIGTERM to Chromium's PID (it then ends its renderer and utility processes itself), SIGKILL
     * after 5 s; then SIGKILL to any of its descendants, known by PID before it was stopped, that
     * outlived it.
     */
    private static void stopProcessTree(Process process) {
        List<ProcessHandle> helpers = process.descendants().toList();
        ExternalProcesses.stop(process, Duration.ofSeconds(5));
        for (ProcessHandle helper : helpers) {
            if (helper.isAlive()) {
                helper.destroyForcibly();
                helper.onExit()
                        .orTimeout(5, TimeUnit.SECONDS)
                        .exceptionally(e -> null)
                        .join();
            }
        }
    }
}
