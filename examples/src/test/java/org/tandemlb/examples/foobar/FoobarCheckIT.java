package org.tandemlb.examples.foobar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.core.testsupport.ChildProcess;

/**
 * {@code examples/foobar/run-local.sh --check}: the whole www.foobar.com stack with real Tandem
 * nodes, Nginx, application servers and MariaDB, and its seven failure drills. The script prints
 * one summary line and exits 0 only when every drill met its goal; this test asserts both, and
 * the failover time the line reports.
 */
class FoobarCheckIT {

    private static final Duration LIMIT = Duration.ofMinutes(5);
    private static final Pattern SUMMARY = Pattern.compile("^foobar check: (PASS|FAIL) (\\d)/7 in (\\d+) s \\| .*");
    private static final Pattern FAILOVER =
            Pattern.compile("\\| 2 kill -9 of active lb\\d: lb\\d served again after (\\d+\\.\\d\\d) s");

    @TempDir
    Path state;

    @Test
    void theSevenDrillsPass() throws Exception {
        ChildProcess check = ChildProcess.command("bash", System.getProperty("foobar.script"), "--check")
                .name("foobar-check")
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
        assertTrue(exited, "run-local.sh --check took more than " + LIMIT + ":\n" + check.output());

        MatchResult summary =
                check.findLine(SUMMARY).orElseThrow(() -> new AssertionError("no summary line:\n" + check.output()));
        assertEquals("PASS 7", summary.group(1) + " " + summary.group(2), summary.group());
        assertEquals(0, check.exitCode(), check.output());
        var failover = FAILOVER.matcher(summary.group());
        assertTrue(failover.find(), summary.group());
        assertTrue(Double.parseDouble(failover.group(1)) <= 1.0, summary.group());
    }
}
