package org.tandemlb.core.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * What the launchers of real external servers ({@link NginxServer}, {@link MariaDbServer}, and any
 * later one such as HAProxy) have in common: finding the binary, choosing a port, starting a child
 * process with its output in a log file, waiting until it is ready, stopping it by its PID, and
 * running short command-line clients with a timeout.
 *
 * <p>Every process started through {@link #launch} is killed when the JVM exits, so a test that
 * forgets to close its server does not leave a daemon behind.
 */
public final class ExternalProcesses {

    /** How many ports {@link #startOnFreePort} tries before it gives up. */
    public static final int PORT_ATTEMPTS = 20;

    /**
     * Ports are drawn from 20000–32767: below Linux's default ephemeral range (32768–60999), so a
     * port never collides with one the kernel handed to an outgoing connection or to a test
     * server bound to port 0 in the same run.
     */
    static final int LOWEST_PORT = 20_000;

    static final int HIGHEST_PORT = 32_767;

    /**
     * The C library's text for {@code strerror(EADDRINUSE)}. Nginx and MariaDB both print it when
     * their listening port is taken and neither tells it apart by exit code, so their log is the
     * only place to learn it from.
     */
    static final String ADDRESS_IN_USE = "Address already in use";

    private static final Duration POLL_INTERVAL = Duration.ofMillis(20);
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
    private static final Set<Path> DELETE_AT_EXIT = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            LIVE.forEach(Process::destroyForcibly);
                            for (Process process : LIVE) {
                                try {
                                    process.waitFor(5, TimeUnit.SECONDS);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                    break;
                                }
                            }
                            DELETE_AT_EXIT.forEach(ExternalProcesses::deleteQuietly);
                        },
                        "tandem-test-external-processes-cleanup"));
    }

    private ExternalProcesses() {}

    /** The result of a command run to completion by {@link #run}. */
    public record CommandResult(List<String> command, int exitCode, String stdout, String stderr) {

        /** Whether the command exited with 0. */
        public boolean ok() {
            return exitCode == 0;
        }

        /** Returns this result when the command exited with 0, otherwise fails with its stderr. */
        public CommandResult orThrow() {
            if (!ok()) {
                throw new IllegalStateException("command failed with exit code " + exitCode + ": "
                        + String.join(" ", command) + "\nstderr: " + stderr.strip()
                        + (stdout.isBlank() ? "" : "\nstdout: " + stdout.strip()));
            }
            return this;
        }
    }

    /** Thrown by a {@link PortAttempt} whose server could not listen because the port was taken. */
    public static final class AddressInUseException extends Exception {
        private static final long serialVersionUID = 1L;

        public AddressInUseException(String message) {
            super(message);
        }
    }

    /** One try at starting a server on a given port. */
    @FunctionalInterface
    public interface PortAttempt<T> {
        /**
         * Starts the server on {@code port}; throws {@link AddressInUseException} (after cleaning up
         * what it started) when the port is taken, so that another port is tried.
         */
        T start(int port) throws AddressInUseException, IOException;
    }

    /**
     * Finds an executable: each candidate that contains a {@code /} is taken as a path, the others
     * are looked up on {@code PATH} and then in {@code /usr/sbin} and {@code /sbin} (not on a
     * normal user's {@code PATH} on Debian).
     */
    public static Optional<Path> findBinary(String... candidates) {
        List<Path> dirs = new ArrayList<>();
        String pathVariable = System.getenv("PATH");
        if (pathVariable != null) {
            for (String dir : pathVariable.split(File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    dirs.add(Path.of(dir));
                }
            }
        }
        dirs.add(Path.of("/usr/sbin"));
        dirs.add(Path.of("/sbin"));
        for (String candidate : candidates) {
            if (candidate.contains("/")) {
                Path path = Path.of(candidate);
                if (Files.isExecutable(path)) {
                    return Optional.of(path);
                }
                continue;
            }
            for (Path dir : dirs) {
                Path path = dir.resolve(candidate);
                if (Files.isRegularFile(path) && Files.isExecutable(path)) {
                    return Optional.of(path);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Like {@link #findBinary} but fails, naming the Debian package and the script that installs
     * it, when none of the candidates is there.
     */
    public static Path requireBinary(String debianPackage, String... candidates) {
        return findBinary(candidates)
                .orElseThrow(() -> new IllegalStateException(
                        String.join(" or ", candidates) + " not found (Debian package " + debianPackage
                                + "): run ./scripts/test.sh from the repository root, which installs what"
                                + " the tests need and then runs them"));
    }

    /** A random port in {@value #LOWEST_PORT}–{@value #HIGHEST_PORT}. */
    public static int randomPort() {
        return ThreadLocalRandom.current().nextInt(LOWEST_PORT, HIGHEST_PORT + 1);
    }

    /**
     * For servers that cannot be told to bind port 0 and report the port they got: tries random
     * ports until {@code attempt} succeeds on one that is free, at most {@value #PORT_ATTEMPTS}
     * times. Any failure other than {@link AddressInUseException} is passed on at once.
     */
    public static <T> T startOnFreePort(String what, PortAttempt<T> attempt) {
        return startOnFreePort(what, ExternalProcesses::randomPort, attempt);
    }

    /** {@link #startOnFreePort(String, PortAttempt)} with the ports drawn from {@code ports}. */
    public static <T> T startOnFreePort(String what, IntSupplier ports, PortAttempt<T> attempt) {
        List<Integer> taken = new ArrayList<>();
        for (int i = 0; i < PORT_ATTEMPTS; i++) {
            int port = ports.getAsInt();
            try {
                return attempt.start(port);
            } catch (AddressInUseException e) {
                taken.add(port);
            } catch (IOException e) {
                throw new UncheckedIOException("could not start " + what + " on port " + port, e);
            }
        }
        throw new IllegalStateException("could not start " + what + ": ports " + taken + " were all in use");
    }

    /**
     * Starts {@code command} in {@code workDir} with stdin from /dev/null and stdout and stderr
     * appended to {@code output}, and registers it to be killed when the JVM exits.
     */
    public static Process launch(List<String> command, Path workDir, Path output) throws IOException {
        Process process = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                .redirectErrorStream(true)
                .start();
        killAtExit(process);
        return process;
    }

    /** Registers {@code process}, started elsewhere, to be killed when the JVM exits if it still runs. */
    static void killAtExit(Process process) {
        LIVE.add(process);
        process.onExit().thenRun(() -> LIVE.remove(process));
    }

    /**
     * Waits until {@code ready} holds for the freshly started {@code process}. Fails with the end
     * of its log when it exits or does not become ready within {@code timeout} (killing it then);
     * throws {@link AddressInUseException} (after killing it) as soon as the part of {@code log}
     * written since {@code logOffset} says that its port is taken.
     */
    public static void awaitReady(
            String what, Process process, Path log, long logOffset, Duration timeout, BooleanSupplier ready)
            throws AddressInUseException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String output = readFrom(log, logOffset);
            if (output.contains(ADDRESS_IN_USE)) {
                kill(process);
                throw new AddressInUseException(what + ": " + lastLines(output, 5));
            }
            if (!process.isAlive()) {
                String tail = lastLines(readFrom(log, logOffset), 30);
                if (tail.contains(ADDRESS_IN_USE)) {
                    throw new AddressInUseException(what + ": " + tail);
                }
                throw new IllegalStateException(what + " exited with code " + process.exitValue()
                        + " while starting; the end of " + log + ":\n" + tail);
            }
            if (ready.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                kill(process);
                throw new IllegalStateException(what + " was not ready within " + timeout.toMillis()
                        + " ms; the end of " + log + ":\n" + lastLines(readFrom(log, logOffset), 30));
            }
            LockSupport.parkNanos(POLL_INTERVAL.toNanos());
        }
    }

    /**
     * Polls {@code condition} every 20 ms until it holds (true) or {@code timeout} has passed
     * (false).
     */
    public static boolean pollUntil(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(POLL_INTERVAL.toNanos());
        }
        return true;
    }

    /** Whether a TCP connection to {@code address} is accepted within one second. */
    public static boolean acceptsConnections(InetSocketAddress address) {
        try (Socket socket = new Socket()) {
            socket.connect(address, 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits until {@code address} accepts TCP connections; false when it did not within {@code timeout}. */
    public static boolean awaitPortAccepting(InetSocketAddress address, Duration timeout) {
        return pollUntil(timeout, () -> acceptsConnections(address));
    }

    /**
     * Stops {@code process}: SIGTERM to its PID, then SIGKILL if it has not exited within
     * {@code grace}. Returns once it has exited.
     */
    public static void stop(Process process, Duration grace) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy(); // SIGTERM to this PID only, never to a name
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill(process);
        }
    }

    /** SIGKILL to the PID of {@code process}; returns once it has exited. */
    public static void kill(Process process) {
        process.destroyForcibly();
        boolean interrupted = false;
        while (true) {
            try {
                process.waitFor();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs {@code command} to completion and returns its exit code and output. Output goes through
     * temporary files rather than pipes, so that a chatty command cannot block on a full pipe. A
     * command that has not exited within {@code timeout} is killed and reported as a failure.
     */
    public static CommandResult run(Duration timeout, List<String> command) {
        Path stdout = null;
        Path stderr = null;
        try {
            stdout = Files.createTempFile("tandem-cmd-", ".out");
            stderr = Files.createTempFile("tandem-cmd-", ".err");
            Process process = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile())
                    .start();
            LIVE.add(process);
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    kill(process);
                    throw new IllegalStateException(
                            "command did not finish within " + timeout.toMillis() + " ms: " + String.join(" ", command)
                                    + "\nstderr: " + Files.readString(stderr).strip());
                }
            } finally {
                LIVE.remove(process);
            }
            return new CommandResult(
                    List.copyOf(command), process.exitValue(), Files.readString(stdout), Files.readString(stderr));
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        } finally {
            deleteQuietly(stdout);
            deleteQuietly(stderr);
        }
    }

    /** {@link #run(Duration, List)} with the command given as arguments. */
    public static CommandResult run(Duration timeout, String... command) {
        return run(timeout, Arrays.asList(command));
    }

    /** The size of {@code file}, 0 when it does not exist: an offset for {@link #readFrom}. */
    public static long size(Path file) {
        try {
            return Files.size(file);
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What {@code file} holds from {@code offset} on; empty when it does not exist. */
    public static String readFrom(Path file, long offset) {
        try (SeekableByteChannel channel = Files.newByteChannel(file);
                InputStream in = Channels.newInputStream(channel.position(offset))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The last {@code lines} lines of {@code file}, for an error message; empty when it does not exist. */
    public static String tail(Path file, int lines) {
        return lastLines(readFrom(file, 0), lines);
    }

    static String lastLines(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** Creates a fresh temporary directory, deleted when the JVM exits if no one deleted it before. */
    public static Path createTempDir(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            DELETE_AT_EXIT.add(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes {@code path} and everything under it; a path that does not exist is fine. */
    public static void deleteRecursively(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try {
            Files.walkFileTree(path, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    if (e != null) {
                        throw e;
                    }
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + path, e);
        }
        DELETE_AT_EXIT.remove(path);
    }

    /** Copies the directory tree {@code source} into {@code target}, which must not exist yet. */
    public static void copyRecursively(Path source, Path target) {
        try (var paths = Files.walk(source)) {
            for (Path from : (Iterable<Path>) paths::iterator) {
                Files.copy(from, target.resolve(source.relativize(from).toString()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not copy " + source + " to " + target, e);
        }
    }

    private static void deleteQuietly(Path path) {
        if (path == null) {
            return;
        }
        try {
            deleteRecursively(path);
        } catch (UncheckedIOException e) {
            // best effort: a leftover temporary file is not worth failing a test for
        }
    }

    /** Whether this JVM runs as root (uid 0), told by the owner of /proc/self. */
    public static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** The name of the operating-system user this JVM runs as. */
    public static String userName() {
        return isRoot() ? "root" : System.getProperty("user.name");
    }
}
