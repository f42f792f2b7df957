package org.tandemlb.core.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A {@link ProxyMain} child process with a bounded heap; stopped (by its own PID) on close. */
public final class ProxyProcess implements AutoCloseable {
    private final Process process;
    private final BufferedReader out;
    private final OutputStream in;
    private final int port;

    /** Starts the proxy with {@code -Xmx<maxHeap>} in {@code mode} over {@code servers}. */
    public ProxyProcess(String maxHeap, String mode, String... servers) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + maxHeap, "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"),
                ProxyMain.class.getName(), mode));
        cmd.addAll(List.of(servers));
        process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        in = process.getOutputStream();
        String line = readLineWithin(30);
        if (line == null || !line.startsWith("LISTENING ")) {
            process.destroyForcibly();
            throw new IOException("proxy process did not start: " + line);
        }
        port = Integer.parseInt(line.substring("LISTENING ".length()).trim());
    }

    private String readLineWithin(int seconds) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            if (line.startsWith("LISTENING ") || line.startsWith("MEMORY ")) {
                return line;
            }
            if (System.nanoTime() > deadline) {
                return null;
            }
        }
        return null;
    }

    /** The port the proxy's frontend listens on (127.0.0.1). */
    public int port() {
        return port;
    }

    /** Whether the process still runs (it has not died of an OutOfMemoryError, say). */
    public boolean alive() {
        return process.isAlive();
    }

    /** The peak heap used and the direct memory Netty holds now, in bytes. */
    public long[] memory() throws IOException {
        in.write("memory\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
        String line = readLineWithin(10);
        if (line == null) {
            throw new IOException("no memory report");
        }
        String[] parts = line.split(" ");
        return new long[] {Long.parseLong(parts[1]), Long.parseLong(parts[2])};
    }

    @Override
    public void close() throws IOException {
        in.close(); // end of input: the proxy stops by itself
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
