package org.tandemlb.core.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * What {@link NginxServer} and {@link MariaDbServer} share: a real server run by a test as a child
 * process, with its files in a temporary directory of its own, listening on 127.0.0.1 on a random
 * port (another is tried when it is taken), restarted on the same port, stopped by its PID, and
 * its directory deleted on close. A subclass says how to start it on a port and when it is ready.
 */
public abstract class ExternalServer implements AutoCloseable {

    private final String what;
    private final Duration startupTimeout;
    private final Duration stopGrace;
    /** The server's own temporary directory, deleted on {@link #close()}. */
    protected final Path dir;

    private final Path errorLog;
    private final Path pidFile;
    private int port;
    private Process process;
    private boolean closed;

    /**
     * @param what           the server's name in messages ("nginx", "MariaDB")
     * @param dir            its temporary directory, from {@link ExternalProcesses#createTempDir}
     * @param errorLog       where its output goes, which also tells a taken port
     * @param pidFile        the PID file it writes; deleted before each start
     * @param startupTimeout how long it may take to become ready
     * @param stopGrace      how long it may take to exit after SIGTERM before SIGKILL
     */
    protected ExternalServer(
            String what, Path dir, Path errorLog, Path pidFile, Duration startupTimeout, Duration stopGrace) {
        this.what = what;
        this.dir = dir;
        this.errorLog = errorLog;
        this.pidFile = pidFile;
        this.startupTimeout = startupTimeout;
        this.stopGrace = stopGrace;
    }

    /** The command line that starts the server on {@code port} (after writing any config it reads). */
    protected abstract List<String> command(int port) throws IOException;

    /** Whether the server, just started as {@code started} on {@code port}, is ready and the port its own. */
    protected abstract boolean ready(Process started, int port);

    /**
     * Starts the server on a free port drawn from {@code ports}; closes it (deleting its
     * directory) and passes the failure on when it cannot start.
     */
    protected final void startOnFreePort(IntSupplier ports) {
        try {
            ExternalProcesses.startOnFreePort(what, ports, p -> {
                launchOn(p);
                return this;
            });
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void launchOn(int candidatePort) throws IOException, ExternalProcesses.AddressInUseException {
        Files.deleteIfExists(pidFile); // left behind when a previous run was killed
        long logOffset = ExternalProcesses.size(errorLog);
        Process started = ExternalProcesses.launch(command(candidatePort), dir, errorLog);
        ExternalProcesses.awaitReady(
                what, started, errorLog, logOffset, startupTimeout, () -> ready(started, candidatePort));
        this.port = candidatePort;
        this.process = started;
    }

    /** The PID file the server writes. */
    protected final Path pidFile() {
        return pidFile;
    }

    /** Whether the PID file names {@code started}: the server has got that far in its start. */
    protected final boolean pidFileNames(Process started) {
        try {
            return Files.exists(pidFile) && Files.readString(pidFile).strip().equals(Long.toString(started.pid()));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Starts the server again after {@link #stop()} or {@link #kill()}, on the same port and with
     * the same files. Fails when something else took the port in between.
     */
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException(what + " on port " + port + " is closed");
        }
        if (isRunning()) {
            return;
        }
        try {
            launchOn(port);
        } catch (ExternalProcesses.AddressInUseException e) {
            throw new IllegalStateException(
                    "cannot restart " + what + ": port " + port + " was taken meanwhile: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Stops the server (SIGTERM to its PID; SIGKILL when it has not exited within the grace the
     * subclass gave) and returns once it has exited.
     */
    public synchronized void stop() {
        if (process != null) {
            ExternalProcesses.stop(process, stopGrace);
        }
    }

    /** Kills the server at once (SIGKILL to its PID), as a crash would, and returns once it has exited. */
    public synchronized void kill() {
        if (process != null) {
            ExternalProcesses.kill(process);
        }
    }

    /** Whether the server process is alive. */
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** The PID of the running (or last) server process. */
    public synchronized long pid() {
        return process.pid();
    }

    /** The port the server listens on, on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** 127.0.0.1 and {@link #port()}. */
    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    /** The server's error log, for a failing test's message. */
    public Path errorLog() {
        return errorLog;
    }

    /** Stops the server and deletes its directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop();
        ExternalProcesses.deleteRecursively(dir);
    }

    @Override
    public String toString() {
        return what + " on 127.0.0.1:" + port + " (" + dir + ")";
    }
}
