package org.tandemlb.cluster.it;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A node (or any helper JVM) started by a test, with its output collected; stopped by PID. */
final class NodeProcess implements AutoCloseable {
    final String name;
    final Process process;
    private final Writer stdin;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<Long> lineTimes = new CopyOnWriteArrayList<>();

    NodeProcess(String name, List<String> command) throws IOException {
        this.name = name;
        this.process = new ProcessBuilder(command).redirectErrorStream(true).start();
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lineTimes.add(System.nanoTime());
                    lines.add(line);
                    if (System.getenv("TANDEM_IT_VERBOSE") != null || !line.startsWith("@@ P ")) {
                        System.out.println("[" + name + "] " + line);
                    }
                }
            } catch (IOException e) {
                // process gone
            }
        }, "out-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    long pid() {
        return process.pid();
    }

    /** Sends a command line on stdin. */
    synchronized void command(String line) throws IOException {
        stdin.write(line + "\n");
        stdin.flush();
    }

    /** The protocol lines ({@code @@ X}) printed so far, without the prefix. */
    List<String> said() {
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            if (l.startsWith("@@ ")) {
                out.add(l.substring(3));
            }
        }
        return out;
    }

    /** The last protocol line starting with {@code prefix}, or null. */
    String last(String prefix) {
        String found = null;
        for (String s : said()) {
            if (s.startsWith(prefix)) {
                found = s;
            }
        }
        return found;
    }

    String lastRole() {
        String r = last("ROLE ");
        return r == null ? "standby" : r.substring(5);
    }

    boolean everSaid(String text) {
        return said().contains(text);
    }

    void awaitSaid(String text, Duration timeout) {
        await(name + " says " + text).atMost(timeout).pollInterval(Duration.ofMillis(20))
                .until(() -> said().contains(text) || !process.isAlive());
        if (!said().contains(text)) {
            throw new AssertionError(name + " exited before saying " + text + ":\n" + String.join("\n", lines));
        }
    }

    /** Asks {@code state} and returns the answer: admin state, weight, role, member count. */
    String state() throws IOException {
        int before = said().size();
        command("state");
        await(name + " answers state").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> said().stream().skip(before).anyMatch(s -> s.startsWith("STATE ")));
        return said().stream().skip(before).filter(s -> s.startsWith("STATE ")).findFirst().orElseThrow().substring(6);
    }

    /** The probes a {@link ProbeMain} printed so far. */
    List<Prober.Probe> probes() {
        List<Prober.Probe> out = new ArrayList<>();
        for (String l : lines) {
            if (l.startsWith("@@ P ")) {
                String[] f = l.split(" ");
                out.add(new Prober.Probe(Long.parseLong(f[2]), f[3].equals("1")));
            }
        }
        out.sort(java.util.Comparator.comparingLong(Prober.Probe::atMillis));
        return out;
    }

    String output() {
        return String.join("\n", lines);
    }

    void signal(String sig) {
        try {
            new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).inheritIO().start().waitFor();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            signal("CONT");
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
