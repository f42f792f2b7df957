package org.tandemlb.cluster.it;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.tandemlb.core.testsupport.ChildProcess;

/**
 * A {@link NodeMain} or {@link ProbeMain} started by a test, and what it says in their line
 * protocol ({@code @@ X}); the process itself is a {@link ChildProcess}.
 */
final class NodeProcess implements AutoCloseable {
    private static final Pattern STATE = Pattern.compile("^@@ STATE (.*)$");
    private static final Pattern VIP = Pattern.compile("^@@ VIP (.*)$");
    final String name;
    final Process process;
    private final ChildProcess child;

    NodeProcess(String name, ChildProcess.Builder command) throws IOException {
        this.name = name;
        // The probes (@@ P) are many: printed only when asked for.
        boolean verbose = System.getenv("TANDEM_IT_VERBOSE") != null;
        this.child = command.name(name)
                .echo(line -> verbose || !line.startsWith("@@ P "))
                .start();
        this.process = child.process();
    }

    long pid() {
        return child.pid();
    }

    /** Sends a command line on stdin. */
    void command(String line) throws IOException {
        child.send(line);
    }

    /** The protocol lines ({@code @@ X}) printed so far, without the prefix. */
    List<String> said() {
        List<String> out = new ArrayList<>();
        for (String l : child.lines()) {
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

    /** Waits until the node says {@code text}; fails with its output when it exits first. */
    void awaitSaid(String text, Duration timeout) {
        child.awaitLine(Pattern.compile("^@@ " + Pattern.quote(text) + "$"), timeout);
    }

    /** Asks {@code state} and returns the answer: admin state, weight, role, member count. */
    String state() throws IOException {
        int from = child.lineCount();
        command("state");
        return child.awaitLine(from, STATE, Duration.ofSeconds(5)).group(1);
    }

    /** Asks {@code vip}: the first VIP's {@code tandem_vip_owned} and its owner in the status. */
    String vip() throws IOException {
        int from = child.lineCount();
        command("vip");
        return child.awaitLine(from, VIP, Duration.ofSeconds(5)).group(1);
    }

    /** The probes a {@link ProbeMain} printed so far. */
    List<Prober.Probe> probes() {
        return probes(null);
    }

    /** The probes of one stream of a {@link ProbeMain} ({@code 0}, {@code rr2}...), or of all when null. */
    List<Prober.Probe> probes(String stream) {
        List<Prober.Probe> out = new ArrayList<>();
        for (String l : child.lines()) {
            if (l.startsWith("@@ P ")) {
                String[] f = l.split(" ");
                if (stream == null || f[4].equals(stream)) {
                    out.add(new Prober.Probe(Long.parseLong(f[2]), f[3].equals("1")));
                }
            }
        }
        out.sort(java.util.Comparator.comparingLong(Prober.Probe::atMillis));
        return out;
    }

    String output() {
        return child.output();
    }

    /** Sends the signal named {@code sig} (TERM, STOP, CONT, ...) to the node's PID. */
    void signal(String sig) {
        child.signal(ChildProcess.Signal.valueOf(sig));
    }

    @Override
    public void close() {
        child.close();
    }
}
