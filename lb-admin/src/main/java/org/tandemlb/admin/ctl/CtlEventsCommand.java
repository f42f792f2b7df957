package org.tandemlb.admin.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.tandemlb.admin.config.Units;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem ctl events}: the daemon's last events ({@code GET /api/v1/events}), one per line
 * as {@code TIME TYPE SUBJECT MESSAGE}, oldest first; with {@code --follow}, then the new ones as
 * they come, polling every {@code --interval} with {@code since} (so nothing is printed twice or
 * skipped while the daemon keeps it) until Ctrl-C. A daemon that restarted numbers its events
 * from 1 again: the follower notices (the latest number went back) and starts over.
 *
 * <p>Exit codes: 0; 1 when the admin API cannot be reached or answers an error (with
 * {@code --follow}, only at the first call: later, a daemon being restarted is waited for).
 */
@Command(
        name = "events",
        mixinStandardHelpOptions = true,
        description = {
            "Prints the daemon's last events, oldest first, as TIME TYPE SUBJECT MESSAGE.",
            "With --follow, keeps printing new events as they come, until Ctrl-C."
        })
public final class CtlEventsCommand implements Callable<Integer> {
    /** The shortest and longest poll interval of {@code --follow}. */
    static final Duration MIN_INTERVAL = Duration.ofMillis(100);

    static final Duration MAX_INTERVAL = Duration.ofMinutes(1);

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A GET on the admin API: the body of a 200 answer; anything else is an {@link IOException}. */
    @FunctionalInterface
    interface AdminGet {
        String get(String path) throws IOException, InterruptedException;
    }

    /** Waits between two polls of {@code --follow}. */
    @FunctionalInterface
    interface Pause {
        void pause(Duration d) throws InterruptedException;
    }

    @Spec
    private CommandSpec spec;

    // Until `tandem ctl` passes its own connection (admin.listen and the token from -c or flags).
    @Option(
            names = "--admin",
            paramLabel = "URL",
            defaultValue = "http://127.0.0.1:9000",
            description = "The admin API (default: ${DEFAULT-VALUE}).")
    private URI admin;

    @Option(
            names = {"-n", "--limit"},
            paramLabel = "N",
            description = "Only the last N events (1 to 1000; default: all the daemon keeps, the last 1000).")
    private Integer limit;

    @Option(names = "--since", paramLabel = "SEQ", description = "Only the events numbered after SEQ.")
    private Long since;

    @Option(
            names = {"-f", "--follow"},
            description = "Then print new events as they come, until Ctrl-C.")
    private boolean follow;

    @Option(
            names = "--interval",
            paramLabel = "DURATION",
            defaultValue = "1s",
            description = "How often --follow asks for new events: 100ms to 1m (default: ${DEFAULT-VALUE}).")
    private String interval;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Duration every;
        try {
            every = interval(interval);
            if (limit != null && (limit < 1 || limit > 1000)) {
                throw new IllegalArgumentException("--limit must be from 1 to 1000, not " + limit);
            }
            if (since != null && since < 0) {
                throw new IllegalArgumentException("--since must not be negative");
            }
        } catch (IllegalArgumentException e) {
            err.println("tandem ctl events: " + e.getMessage());
            err.flush();
            return 2;
        }
        try {
            run(httpGet(admin), out, err, d -> Thread.sleep(d.toMillis()), every);
            return 0;
        } catch (IOException e) {
            err.println("tandem: " + e.getMessage());
            err.flush();
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /** The poll interval of {@code --follow}, from {@code 500ms}, {@code 2s}...; within the bounds. */
    static Duration interval(String text) {
        Duration d = Units.parseDuration(text);
        if (d.compareTo(MIN_INTERVAL) < 0 || d.compareTo(MAX_INTERVAL) > 0) {
            throw new IllegalArgumentException("--interval must be from 100ms to 1m, not " + text);
        }
        return d;
    }

    /**
     * Prints the events asked for; with {@code --follow}, then polls for new ones until
     * interrupted (Ctrl-C ends the JVM, or the caller's thread is interrupted).
     *
     * @throws IOException when the first call fails
     */
    void run(AdminGet get, PrintWriter out, PrintWriter err, Pause pause, Duration every)
            throws IOException, InterruptedException {
        StringBuilder query = new StringBuilder();
        if (since != null) {
            query.append("since=").append(since);
        }
        if (limit != null) {
            query.append(query.length() == 0 ? "" : "&").append("limit=").append(limit);
        }
        long last = print(events(get, "/api/v1/events" + (query.length() == 0 ? "" : "?" + query)), out);
        if (last < 0) {
            last = since != null ? since : latest(get);
        }
        if (!follow) {
            return;
        }
        boolean unreachable = false;
        while (true) {
            pause.pause(every);
            try {
                long got = print(events(get, "/api/v1/events?since=" + last), out);
                if (got >= 0) {
                    last = got;
                } else if (latest(get) < last) {
                    out.println("(the daemon restarted: its events are numbered from 1 again)");
                    out.flush();
                    last = Math.max(0, print(events(get, "/api/v1/events"), out));
                }
                unreachable = false;
            } catch (IOException e) {
                if (!unreachable) {
                    err.println(
                            "tandem: " + e.getMessage() + " (trying again every " + Units.formatDuration(every) + ")");
                    err.flush();
                    unreachable = true;
                }
            }
        }
    }

    /** The number of the daemon's latest event, 0 when it has none. */
    private static long latest(AdminGet get) throws IOException, InterruptedException {
        JsonNode events = events(get, "/api/v1/events?limit=1");
        return events.isEmpty() ? 0 : events.get(0).get("seq").asLong();
    }

    private static JsonNode events(AdminGet get, String path) throws IOException, InterruptedException {
        JsonNode events = JSON.readTree(get.get(path)).get("events");
        if (events == null || !events.isArray()) {
            throw new IOException("GET " + path + ": the answer has no \"events\" list");
        }
        return events;
    }

    /** Prints each event as a line; returns the number of the last one, or -1 for none. */
    static long print(JsonNode events, PrintWriter out) {
        long last = -1;
        for (JsonNode e : events) {
            out.println(line(e));
            last = e.get("seq").asLong();
        }
        out.flush();
        return last;
    }

    /** {@code TIME TYPE SUBJECT MESSAGE}; the message on one line (a line break would split an event). */
    static String line(JsonNode e) {
        return e.get("time").asText() + " " + e.get("type").asText() + " "
                + e.get("subject").asText() + " "
                + e.get("message").asText().replace('\n', ' ').replace('\r', ' ');
    }

    /** A GET with the JDK's client (the lead switches it to AdminClient at merge). */
    private static AdminGet httpGet(URI base) {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String root = base.toString().replaceAll("/+$", "");
        return path -> {
            HttpResponse<String> r;
            try {
                r = http.send(
                        HttpRequest.newBuilder(URI.create(root + path))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new IOException("cannot reach the admin API at " + root + ": " + e, e);
            }
            if (r.statusCode() != 200) {
                throw new IOException(
                        "GET " + path + ": " + r.statusCode() + " " + r.body().strip());
            }
            return r.body();
        };
    }
}
