package org.tandemlb.admin.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.admin.daemon.Daemon;
import org.tandemlb.core.backend.AdminState;
import picocli.CommandLine;

/** {@code tandem ctl events}: against a running daemon, and its --follow loop step by step. */
class CtlEventsCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int execute(String... args) {
        CommandLine cl = new CommandLine(new CtlEventsCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void printsTheEventsOfARunningDaemonOnePerLine() throws Exception {
        Path file = Files.writeString(dir.resolve("tandem.yaml"), """
                node: lb1
                admin: { listen: 127.0.0.1:0 }
                backends:
                  - name: web
                    servers:
                      - { name: a, address: 127.0.0.1:1 }
                """, StandardCharsets.UTF_8);
        Daemon daemon = new Daemon(Map.of(), 1, Daemon.Admin.REQUIRED);
        daemon.start(ConfigLoader.load(file, Map.of()), file);
        try {
            String url =
                    "http://127.0.0.1:" + daemon.adminAddress().orElseThrow().getPort();
            daemon.changeServer("web", "a", AdminState.DRAIN, null).join();
            daemon.changeServer("web", "a", null, 0).join();
            daemon.changeServer("web", "a", AdminState.MAINT, null).join();

            assertEquals(0, execute("--admin", url), err.toString());
            List<String> lines = out.toString().lines().toList();
            assertEquals(3, lines.size(), out.toString());
            assertTrue(
                    lines.get(0)
                            .matches(
                                    "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z server_state web/a drain \\(was ready\\)"),
                    lines.get(0));
            assertTrue(lines.get(1).endsWith(" server_weight web/a weight 0 (was 1)"), lines.get(1));
            assertTrue(lines.get(2).endsWith(" server_state web/a maint (was drain)"), lines.get(2));

            out.getBuffer().setLength(0);
            assertEquals(0, execute("--admin", url, "--since", "1", "-n", "1"));
            assertEquals(List.of(lines.get(1)), out.toString().lines().toList(), "the one after 1");
            out.getBuffer().setLength(0);
            assertEquals(0, execute("--admin", url, "-n", "1"));
            assertEquals(List.of(lines.get(2)), out.toString().lines().toList(), "the last one");
        } finally {
            daemon.stop();
        }
        // Stopped: exit 1, one line saying what could not be reached.
        assertEquals(1, execute("--admin", "http://127.0.0.1:" + 1));
        assertTrue(
                err.toString().startsWith("tandem: cannot reach the admin API at http://127.0.0.1:1"), err.toString());
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertEquals(2, execute("--interval", "10ms"));
        assertEquals(2, execute("--interval", "5m"));
        assertEquals(2, execute("--limit", "0"));
        assertEquals(2, execute("--since", "-4"));
        assertTrue(err.toString().contains("--interval must be from 100ms to 1m, not 10ms"), err.toString());
    }

    /** A daemon in memory: the events it has, answered as GET /api/v1/events does. */
    private static final class FakeDaemon implements CtlEventsCommand.AdminGet {
        final List<String> events = new ArrayList<>();
        final List<String> asked = new ArrayList<>();
        boolean down;

        void add(String type, String subject, String message) {
            long seq = events.size() + 1;
            events.add("{\"seq\":" + seq + ",\"time\":\"2026-12-02T05:00:0" + seq + "Z\",\"type\":\"" + type
                    + "\",\"subject\":\"" + subject + "\",\"message\":\"" + message + "\"}");
        }

        @Override
        public String get(String path) throws IOException {
            asked.add(path);
            if (down) {
                throw new IOException("cannot reach the admin API at http://x");
            }
            long since = 0;
            int limit = 1000;
            String query = path.contains("?") ? path.substring(path.indexOf('?') + 1) : "";
            boolean latest = !query.contains("since=");
            for (String p : query.split("&")) {
                if (p.startsWith("since=")) {
                    since = Long.parseLong(p.substring(6));
                } else if (p.startsWith("limit=")) {
                    limit = Integer.parseInt(p.substring(6));
                }
            }
            int from = latest ? Math.max(0, events.size() - limit) : (int) Math.min(since, events.size());
            int to = Math.min(events.size(), from + limit);
            return "{\"events\":[" + String.join(",", events.subList(from, to)) + "]}";
        }
    }

    @Test
    void followPollsWithSinceAndSurvivesARestart() throws Exception {
        FakeDaemon daemon = new FakeDaemon();
        daemon.add("reload", "lb1", "applied");
        List<Runnable> script = new ArrayList<>(List.of(
                () -> daemon.add("server_health", "web/a", "down: tcp check: connection refused"),
                () -> {}, // nothing new
                () -> daemon.down = true, // the daemon restarts...
                () -> daemon.down = true,
                () -> { // ...and numbers its events from 1 again
                    daemon.down = false;
                    daemon.events.clear();
                    daemon.add("cluster_role", "lb1", "standby (was joining)");
                },
                () -> daemon.add("failover", "lb1", "took the VIPs over")));
        List<Duration> pauses = new ArrayList<>();
        CtlEventsCommand.Pause pause = d -> {
            pauses.add(d);
            if (script.isEmpty()) {
                throw new InterruptedException("Ctrl-C");
            }
            script.remove(0).run();
        };
        CtlEventsCommand command = new CtlEventsCommand();
        new CommandLine(command).parseArgs("--follow", "--interval", "250ms");
        StringWriter errors = new StringWriter();
        assertThrows(
                InterruptedException.class,
                () -> command.run(
                        daemon,
                        new PrintWriter(out),
                        new PrintWriter(errors),
                        pause,
                        CtlEventsCommand.interval("250ms")));

        assertEquals(
                List.of(
                        "2026-12-02T05:00:01Z reload lb1 applied",
                        "2026-12-02T05:00:02Z server_health web/a down: tcp check: connection refused",
                        "(the daemon restarted: its events are numbered from 1 again)",
                        "2026-12-02T05:00:01Z cluster_role lb1 standby (was joining)",
                        "2026-12-02T05:00:02Z failover lb1 took the VIPs over"),
                out.toString().lines().toList());
        assertEquals(
                List.of("tandem: cannot reach the admin API at http://x (trying again every 250ms)"),
                errors.toString().lines().toList(),
                "said once while it is down");
        assertTrue(pauses.stream().allMatch(d -> d.equals(Duration.ofMillis(250))));
        assertEquals("/api/v1/events", daemon.asked.get(0));
        assertTrue(daemon.asked.contains("/api/v1/events?since=2"), daemon.asked.toString());
    }
}
