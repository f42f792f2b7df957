package org.tandemlb.cluster.vip;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external command ({@code ip}, {@code arping}, the user's scripts) and waits for it,
 * bounded by a timeout. Blocking: the VIP drivers call it on the cluster's VIP thread, never on an
 * event loop or a JGroups thread. An interface so that drivers can be tested without root.
 */
@FunctionalInterface
public interface CommandRunner {

    /**
     * The outcome of a command.
     *
     * @param exitCode the exit status, or -1 when it did not finish within the timeout (it is killed)
     * @param output   stdout and stderr together, trimmed
     */
    record Result(int exitCode, String output) {
        /** Whether it exited with status 0. */
        public boolean ok() {
            return exitCode == 0;
        }

        /** The first line of the output, for one-line error messages. */
        public String firstLine() {
            int nl = output.indexOf('\n');
            return nl < 0 ? output : output.substring(0, nl);
        }
    }

    /**
     * Runs {@code command} with {@code env} added to this process's environment.
     *
     * @throws IOException when it cannot be started (not installed)
     */
    Result run(List<String> command, Map<String, String> env, Duration timeout) throws IOException;

    /** Runs real processes. */
    static CommandRunner system() {
        return (command, env, timeout) -> {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().putAll(env);
            Process p = pb.start();
            p.getOutputStream().close();
            // Output is small (a line or two); read it after the exit, bounded to 64 KiB.
            try {
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    return new Result(-1, "timed out after " + timeout.toMillis() + "ms");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                return new Result(-1, "interrupted");
            }
            try (InputStream in = p.getInputStream()) {
                return new Result(p.exitValue(), new String(in.readNBytes(65536), StandardCharsets.UTF_8).trim());
            }
        };
    }
}
