package org.tandemlb.admin.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.admin.daemon.Daemon;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.testsupport.TestBackends;

/**
 * The status page in a real headless Chromium, as an operator uses it: it lists the servers and
 * their health, follows a server going down within a couple of seconds, and its drain button
 * drains a server once the admin token is typed in.
 */
class StatusPageBrowserTest {
    /** What the page shows: each server's {@code backend/server} → {@code state health}. */
    private static final String ROWS =
            "JSON.stringify(Object.fromEntries([...document.querySelectorAll('tr[data-server]')]"
                    + ".map(tr => [tr.dataset.server, tr.querySelector('.state').textContent + ' '"
                    + " + tr.querySelector('.health').textContent])))";

    private static final String GREEN = "rgb(26, 127, 55)";
    private static final String RED = "rgb(207, 34, 46)";

    @TempDir
    Path dir;

    @RegisterExtension
    final TestBackends backends = new TestBackends();

    private TestBackend a;
    private TestBackend b;
    private Daemon daemon;
    private AdminClient admin;
    private Chromium chromium;

    @BeforeEach
    void start() throws Exception {
        a = backends.start("a");
        b = backends.start("b");
        Path file = Files.writeString(
                dir.resolve("tandem.yaml"), AdminApiTest.config(AdminApiTest.TOKEN, a, b), StandardCharsets.UTF_8);
        daemon = new Daemon(Map.of(), 1, Daemon.Admin.REQUIRED);
        daemon.start(ConfigLoader.load(file, Map.of()), file);
        admin = new AdminClient(daemon.adminAddress().orElseThrow());
        chromium = Chromium.start(dir);
    }

    @AfterEach
    void stop() {
        if (chromium != null) {
            chromium.close();
        }
        if (daemon != null) {
            daemon.stop();
        }
    }

    private Map<String, String> rows() throws Exception {
        JsonNode json = chromium.evaluate(ROWS);
        return AdminClient.JSON.readValue(
                json.asText(),
                AdminClient.JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class));
    }

    private String colourOfHealth(String server) throws Exception {
        return chromium.evaluate(
                        "getComputedStyle(document.querySelector(\"tr[data-server='" + server + "'] .health\")).color")
                .asText();
    }

    private String text(String selector) throws Exception {
        return chromium.evaluate("(document.querySelector(\"" + selector + "\") || {}).textContent || ''")
                .asText();
    }

    @Test
    void showsServersLiveAndDrainsOneWithTheToken() throws Exception {
        int port = daemon.adminAddress().orElseThrow().getPort();
        int frontendPort = daemon.loadBalancer().address("www").getPort();
        chromium.navigate("http://127.0.0.1:" + port + "/");

        await("the page lists a and b, ready and up")
                .atMost(Duration.ofSeconds(10))
                .ignoreExceptions()
                .until(() -> rows().equals(Map.of("web/a", "ready up", "web/b", "ready up")));
        assertEquals(GREEN, colourOfHealth("web/a"));
        assertEquals("lb-test", text("#node"));
        assertEquals("solo", text("#role"));
        assertTrue(
                text("tr[data-frontend='www']").contains("127.0.0.1:" + frontendPort), text("tr[data-frontend='www']"));
        assertEquals(List.of(), chromium.problems(), "no script error, no CSP violation");

        // A server dies: the page says so by itself, in red.
        a.close();
        await("the page shows a down")
                .atMost(Duration.ofSeconds(10))
                .ignoreExceptions()
                .until(() -> rows().equals(Map.of("web/a", "ready down", "web/b", "ready up")));
        assertEquals(RED, colourOfHealth("web/a"));
        assertEquals(GREEN, colourOfHealth("web/b"));

        // Without the token the drain button is refused, and the page says why.
        chromium.click("tr[data-server='web/b'] button[data-action='drain']");
        await("the page shows the 401")
                .atMost(Duration.ofSeconds(10))
                .until(() -> text("#banner").contains("401"));
        assertEquals("ready", admin.server("web", "b").get("state").asText());

        // With it, the same button drains the server.
        chromium.click("#token");
        chromium.type(AdminApiTest.TOKEN);
        chromium.click("tr[data-server='web/b'] button[data-action='drain']");

        await("the API shows b drained")
                .atMost(Duration.ofSeconds(10))
                .until(() -> admin.server("web", "b").get("state").asText().equals("drain"));
        await("the page shows b drained")
                .atMost(Duration.ofSeconds(10))
                .ignoreExceptions()
                .until(() -> rows().get("web/b").equals("drain up"));
        assertEquals("web/b is now drain", text("#banner"));
        assertTrue(
                chromium.evaluate(
                                "document.querySelector(\"tr[data-server='web/b'] button[data-action='drain']\").disabled")
                        .asBoolean(),
                "the button of the current state is disabled");
        assertTrue(
                chromium.problems().stream().allMatch(p -> p.contains("401")),
                "only the refused call was an error: " + chromium.problems());
    }
}
