package org.tandemlb.core.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A child process started by a test — a {@code tandem} JVM, a helper JVM, {@code bin/tandem}, any
 * command — with every line it prints collected, so that a test can wait for a line, read what
 * was said, signal it and stop it by its PID.
 *
 * <pre>{@code
 * try (ChildProcess tandem = ChildProcess.java(TandemCommand.class).args("run", "-c", file.toString()).start()) {
 *     int port = Integer.parseInt(tandem.awaitLine(LISTENING, Duration.ofSeconds(60)).group(1));
 *     tandem.signal(ChildProcess.Signal.HUP);
 *     assertEquals(0, tandem.stop(Duration.ofSeconds(30)));
 * }
 * }</pre>
 *
 * <p>Signals go to the child's own PID and never to a name. {@link #close()} kills a child that
 * is still alive, and one that a test forgets to close is killed when the JVM exits.
 */
public final class ChildProcess implements AutoCloseable {

    /** The signals a test sends, by their name for {@code kill -NAME}. */
    public enum Signal {
        TERM,
        HUP,
        INT,
        KILL,
        STOP,
        CONT
    }

    private static final Duration DRAIN = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(20);

    private final String name;
    private final Process process;
    private final Writer stdin;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<String> errorLines = new CopyOnWriteArrayList<>();
    private final StringBuffer text = new StringBuffer();
    private final StringBuffer errorText = new StringBuffer();
    private final List<Thread> readers = new ArrayList<>();

    private ChildProcess(Builder builder) throws IOException {
        this.name = builder.name;
        ProcessBuilder pb = new ProcessBuilder(builder.commandLine()).redirectErrorStream(builder.mergeStderr);
        if (builder.directory != null) {
            pb.directory(builder.directory.toFile());
        }
        builder.environment.forEach((key, value) -> {
            if (value == null) {
                pb.environment().remove(key);
            } else {
                pb.environment().put(key, value);
            }
        });
        this.process = pb.start();
        ExternalProcesses.killAtExit(process);
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        readers.add(reader("out-" + name, process.getInputStream(), lines, text, builder.echo));
        if (!builder.mergeStderr) {
            readers.add(reader("err-" + name, process.getErrorStream(), errorLines, errorText, builder.echo));
        }
        readers.forEach(Thread::start);
    }

    /** A child running {@code command} (a program and its arguments) as it is. */
    public static Builder command(List<String> command) {
        return new Builder(command);
    }

    /** {@link #command(List)} with the command given as arguments. */
    public static Builder command(String... command) {
        return command(List.of(command));
    }

    /**
     * A JVM like this one (same {@code java}, same class path) running {@code mainClass}; JVM
     * options go in {@link Builder#jvmArgs}, the program's in {@link Builder#args}.
     */
    public static Builder java(Class<?> mainClass) {
        return new Builder(mainClass);
    }

    /** The {@code java} launcher of the JVM that runs the tests. */
    public static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Describes a child before it starts. */
    public static final class Builder {
        private final List<String> command;
        private final Class<?> mainClass;
        private final List<String> jvmArgs = new ArrayList<>();
        private final List<String> args = new ArrayList<>();
        private final List<String> prefix = new ArrayList<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private String name;
        private Path directory;
        private boolean mergeStderr = true;
        private Predicate<String> echo = line -> false;

        private Builder(List<String> command) {
            this.command = new ArrayList<>(command);
            this.mainClass = null;
            this.name = Path.of(command.get(0)).getFileName().toString();
        }

        private Builder(Class<?> mainClass) {
            this.command = new ArrayList<>();
            this.mainClass = mainClass;
            this.name = mainClass.getSimpleName();
        }

        /** The name in the reader threads, in echoed lines and in failure messages. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Options for the JVM, before the main class ({@code -Xmx128m}, {@code -Dkey=value}). */
        public Builder jvmArgs(String... jvmArgs) {
            this.jvmArgs.addAll(List.of(jvmArgs));
            return this;
        }

        /** Arguments appended to the command (after the main class of a JVM). */
        public Builder args(String... args) {
            return args(List.of(args));
        }

        /** Arguments appended to the command (after the main class of a JVM). */
        public Builder args(List<String> args) {
            this.args.addAll(args);
            return this;
        }

        /** A command that runs the rest: {@code ip netns exec NS}, {@code nice -n -10}; the first given runs first. */
        public Builder prefix(String... prefix) {
            this.prefix.addAll(List.of(prefix));
            return this;
        }

        /** Sets {@code key} in the child's environment, which is otherwise this JVM's. */
        public Builder env(String key, String value) {
            environment.put(key, Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Removes {@code key} from the child's environment. */
        public Builder unsetEnv(String key) {
            environment.put(key, null);
            return this;
        }

        /** The child's working directory; this JVM's by default. */
        public Builder directory(Path directory) {
            this.directory = directory;
            return this;
        }

        /**
         * Keeps stderr apart ({@link ChildProcess#errorLines()}, {@link ChildProcess#errorText()}) instead of mixing it
         * into the lines of stdout, as it is by default.
         */
        public Builder separateStderr() {
            this.mergeStderr = false;
            return this;
        }

        /** Prints each line for which {@code which} holds to this JVM's stdout as {@code [name] line}. */
        public Builder echo(Predicate<String> which) {
            this.echo = Objects.requireNonNull(which, "which");
            return this;
        }

        /** Prints every line to this JVM's stdout as {@code [name] line}. */
        public Builder echo() {
            return echo(line -> true);
        }

        /** The whole command line, prefix included. */
        public List<String> commandLine() {
            List<String> full = new ArrayList<>(prefix);
            if (mainClass != null) {
                full.add(javaBinary());
                full.addAll(jvmArgs);
                full.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
            } else {
                full.addAll(command);
            }
            full.addAll(args);
            return full;
        }

        /** Starts the child; its output is collected from now on. */
        public ChildProcess start() throws IOException {
            return new ChildProcess(this);
        }
    }

    private Thread reader(
            String threadName, InputStream in, List<String> into, StringBuffer all, Predicate<String> echo) {
        Thread thread = new Thread(
                () -> {
                    StringBuilder line = new StringBuilder();
                    char[] buffer = new char[8192];
                    try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                        for (int n = r.read(buffer); n >= 0; n = r.read(buffer)) {
                            all.append(buffer, 0, n);
                            for (int i = 0; i < n; i++) {
                                if (buffer[i] == '\n') {
                                    add(line.toString(), into, echo);
                                    line.setLength(0);
                                } else {
                                    line.append(buffer[i]);
                                }
                            }
                        }
                    } catch (IOException e) {
                        // the stream closed under us: the process is gone
                    }
                    if (line.length() > 0) {
                        add(line.toString(), into, echo);
                    }
                },
                threadName);
        thread.setDaemon(true);
        return thread;
    }

    private void add(String line, List<String> into, Predicate<String> echo) {
        into.add(line);
        if (echo.test(line)) {
            System.out.println("[" + name + "] " + line);
        }
    }

    /** The name given to the builder (by default the program's or the main class's). */
    public String name() {
        return name;
    }

    /** The child's PID. */
    public long pid() {
        return process.pid();
    }

    /** The process itself, for what this class does not offer. */
    public Process process() {
        return process;
    }

    /** Whether the child still runs. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** The lines printed so far (stdout, and stderr unless {@link Builder#separateStderr}), a snapshot. */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** How many lines were printed so far: an index for {@link #awaitLine(int, Pattern, Duration)}. */
    public int lineCount() {
        return lines.size();
    }

    /** The stderr lines so far of a child started with {@link Builder#separateStderr}. */
    public List<String> errorLines() {
        return List.copyOf(errorLines);
    }

    /** Everything printed so far, to the letter (line ends included). */
    public String text() {
        return text.toString();
    }

    /** Everything printed on stderr so far by a child started with {@link Builder#separateStderr}. */
    public String errorText() {
        return errorText.toString();
    }

    /** The lines printed so far, one string, for a failure message. */
    public String output() {
        return String.join("\n", lines);
    }

    /** The first line so far in which {@code pattern} is found, matched. */
    public Optional<MatchResult> findLine(Pattern pattern) {
        return find(0, pattern);
    }

    private Optional<MatchResult> find(int from, Pattern pattern) {
        List<String> snapshot = lines();
        for (int i = from; i < snapshot.size(); i++) {
            Matcher m = pattern.matcher(snapshot.get(i));
            if (m.find()) {
                return Optional.of(m.toMatchResult());
            }
        }
        return Optional.empty();
    }

    /**
     * Waits for a line in which {@code pattern} is found and returns it matched. Fails with the
     * output so far when the child exits first or no such line comes within {@code timeout}.
     */
    public MatchResult awaitLine(Pattern pattern, Duration timeout) {
        return awaitLine(0, pattern, timeout);
    }

    /** {@link #awaitLine(Pattern, Duration)} among the lines from index {@code from} on ({@link #lineCount()}). */
    public MatchResult awaitLine(int from, Pattern pattern, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean exited = !process.isAlive();
            if (exited) {
                drain();
            }
            Optional<MatchResult> found = find(from, pattern);
            if (found.isPresent()) {
                return found.get();
            }
            if (exited) {
                throw new AssertionError(name + " exited with code " + process.exitValue() + " before printing a line"
                        + " with " + pattern + ":\n" + output());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(name + " printed no line with " + pattern + " within " + timeout.toMillis()
                        + " ms:\n" + output());
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
    }

    /** Writes {@code line} and a newline to the child's stdin. */
    public synchronized void send(String line) throws IOException {
        stdin.write(line + "\n");
        stdin.flush();
    }

    /** Closes the child's stdin: it reads end of input. */
    public synchronized void closeStdin() throws IOException {
        stdin.close();
    }

    /** Sends {@code signal} to the child's PID ({@code kill -NAME PID}); fails when kill does. */
    public void signal(Signal signal) {
        ExternalProcesses.run(Duration.ofSeconds(10), "kill", "-" + signal.name(), Long.toString(pid()))
                .orThrow();
    }

    /**
     * Waits until the child has exited and its output is read to the end; false when it still
     * runs after {@code timeout}.
     */
    public boolean awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + name, e);
        }
        drain();
        return true;
    }

    /** The exit code of a child that has exited. */
    public int exitCode() {
        return process.exitValue();
    }

    /**
     * Stops the child: SIGTERM to its PID, SIGKILL when it has not exited within {@code grace};
     * returns its exit code once it has exited and its output is read.
     */
    public int stop(Duration grace) {
        ExternalProcesses.stop(process, grace);
        drain();
        return process.exitValue();
    }

    /** Kills the child (SIGKILL to its PID, as {@code kill -9}) and returns once it has exited. */
    public void kill() {
        ExternalProcesses.kill(process);
    }

    /** Waits (boundedly) for the reader threads, so that nothing the child printed is missed. */
    private void drain() {
        for (Thread reader : readers) {
            try {
                reader.join(DRAIN.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Kills the child if it still runs (SIGKILL ends a stopped process too) and returns once it
     * has exited.
     */
    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
        try {
            closeStdin();
        } catch (IOException e) {
            // the pipe of a dead process: nothing left to release
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
