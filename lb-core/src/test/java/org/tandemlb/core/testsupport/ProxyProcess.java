package org.tandemlb.core.testsupport;

import java.io.IOException;
import java.time.Duration;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;

/** A {@link ProxyMain} child process with a bounded heap; stopped (by its own PID) on close. */
public final class ProxyProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("^LISTENING (\\d+)$");
    private static final Pattern MEMORY = Pattern.compile("^MEMORY (\\d+) (\\d+)$");

    private final ChildProcess child;
    private final int port;

    /** Starts the proxy with {@code -Xmx<maxHeap>} in {@code mode} over {@code servers}. */
    public ProxyProcess(String maxHeap, String mode, String... servers) throws IOException {
        this(maxHeap, Duration.ZERO, mode, servers);
    }

    /**
     * As {@link #ProxyProcess(String, String, String...)}, with the frontend's
     * {@code timeouts.http_request} set to {@code httpRequest} (zero: the default).
     */
    public ProxyProcess(String maxHeap, Duration httpRequest, String mode, String... servers) throws IOException {
        // stderr apart: stdout carries only the protocol lines, stderr the logs (echoed here).
        child = ChildProcess.java(ProxyMain.class)
                .name("proxy")
                .jvmArgs("-Xmx" + maxHeap, "-XX:+UseSerialGC", "-D" + ProxyMain.HTTP_REQUEST + "=" + httpRequest)
                .args(mode)
                .args(servers)
                .separateStderr()
                .echo()
                .start();
        try {
            port = Integer.parseInt(
                    child.awaitLine(LISTENING, Duration.ofSeconds(30)).group(1));
        } catch (AssertionError e) {
            child.close();
            throw new IOException("proxy process did not start: " + e.getMessage(), e);
        }
    }

    /** The port the proxy's frontend listens on (127.0.0.1). */
    public int port() {
        return port;
    }

    /** Whether the process still runs (it has not died of an OutOfMemoryError, say). */
    public boolean alive() {
        return child.isAlive();
    }

    /** The peak heap used and the direct memory Netty holds now, in bytes. */
    public long[] memory() throws IOException {
        int from = child.lineCount();
        child.send("memory");
        MatchResult m;
        try {
            m = child.awaitLine(from, MEMORY, Duration.ofSeconds(10));
        } catch (AssertionError e) {
            throw new IOException("no memory report: " + e.getMessage(), e);
        }
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    }

    @Override
    public void close() throws IOException {
        child.closeStdin(); // end of input: the proxy stops by itself
        if (!child.awaitExit(Duration.ofSeconds(10))) {
            child.close();
        }
    }
}
