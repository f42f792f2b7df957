package org.tandemlb.examples.foobar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.core.testsupport.ChildProcess;
import org.tandemlb.core.testsupport.RequiresRoot;

/**
 * {@code examples/foobar/run-local.sh --check} and {@code run-netns.sh --check}: the whole
 * www.foobar.com stack with real Tandem nodes, Nginx, application servers and MariaDB, and its
 * failure drills. Each script prints one summary line and exits 0 only when every drill met its
 * goal; these tests assert both, and the failover time the line reports.
 */
class FoobarCheckIT {

    /** Only for a run that hangs: a whole run took 7 min on a 2-core machine at load average 28. */
    private static final Duration LIMIT = Duration.ofMinutes(12);

    private static final Pattern FAILOVER =
            Pattern.compile("\\| 2 kill -9 of active lb\\d: lb\\d served again after (\\d+\\.\\d\\d) s");

    @TempDir
    Path state;

    @Test
    void theSevenDrillsPassOnLoopback() throws Exception {
        check("run-local.sh", Pattern.compile("^foobar check: (PASS|FAIL) (\\d)/7 .*\\| .*"), "PASS 7", 1.0);
    }

    @Test
    @RequiresRoot("network namespaces and the linux VIP driver")
    void theVipMovesBetweenNamespaceHosts() throws Exception {
        // ARP across a bridge between nine namespaces on one machine: the script's goal is 2.5 s.
        check("run-netns.sh", Pattern.compile("^foobar netns check: (PASS|FAIL) (\\d)/2 .*\\| .*"), "PASS 2", 2.5);
    }

    /** Runs {@code script --check}; the failover it reports must be within {@code failoverGoal} seconds. */
    private void check(String script, Pattern summaryLine, String expected, double failoverGoal) throws Exception {
        Path path = Path.of(System.getProperty("foobar.dir"), script);
        ChildProcess check = ChildProcess.command("bash", path.toString(), "--check")
                .name(script)
                .env("FOOBAR_STATE", state.toString())
                .env("TANDEM_JAR", System.getProperty("tandem.jar"))
                .echo()
                .start();
        boolean exited;
        try {
            exited = check.awaitExit(LIMIT);
        } finally {
            // SIGTERM: the script's trap stops every process it started, by PID.
            check.stop(Duration.ofSeconds(60));
        }
        assertTrue(exited, script + " --check took more than " + LIMIT + ":\n" + check.output());

        String summary = check.findLine(summaryLine)
                .orElseThrow(() -> new AssertionError("no summary line:\n" + check.output()))
                .group();
        Matcher verdict = summaryLine.matcher(summary);
        assertTrue(verdict.matches(), summary);
        assertEquals(expected, verdict.group(1) + " " + verdict.group(2), summary);
        assertEquals(0, check.exitCode(), check.output());
        Matcher failover = FAILOVER.matcher(summary);
        assertTrue(failover.find(), summary);
        assertTrue(Double.parseDouble(failover.group(1)) <= failoverGoal, summary);
    }
}
