package org.tandemlb.core.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExternalProcessesTest {

    @Test
    void aMissingBinaryTellsToRunTheTestScript() {
        IllegalStateException e = assertThrows(
                IllegalStateException.class,
                () -> ExternalProcesses.requireBinary("no-such-package", "/nonexistent/tandem-no-such-binary"));
        assertTrue(e.getMessage().contains("./scripts/test.sh"), e.getMessage());
    }

    @Test
    void startOnFreePortMovesOnWhileThePortIsTakenAndGivesUpAfterTwentyTries() {
        List<Integer> tried = new ArrayList<>();
        int[] next = {30_000};
        int port = ExternalProcesses.startOnFreePort("thing", () -> next[0]++, p -> {
            tried.add(p);
            if (p < 30_002) {
                throw new ExternalProcesses.AddressInUseException("taken");
            }
            return p;
        });
        assertEquals(30_002, port);
        assertEquals(List.of(30_000, 30_001, 30_002), tried);

        List<Integer> all = new ArrayList<>();
        assertThrows(
                IllegalStateException.class,
                () -> ExternalProcesses.startOnFreePort("thing", p -> {
                    all.add(p);
                    throw new ExternalProcesses.AddressInUseException("taken");
                }));
        assertEquals(ExternalProcesses.PORT_ATTEMPTS, all.size());
    }

    @Test
    void runReportsExitCodeAndOutputAndKillsACommandThatTakesTooLong() {
        ExternalProcesses.CommandResult ok =
                ExternalProcesses.run(Duration.ofSeconds(10), "sh", "-c", "echo out; echo err >&2");
        assertTrue(ok.ok());
        assertEquals("out\n", ok.stdout());
        assertEquals("err\n", ok.stderr());

        ExternalProcesses.CommandResult failed = ExternalProcesses.run(Duration.ofSeconds(10), "sh", "-c", "exit 3");
        assertFalse(failed.ok());
        assertEquals(3, failed.exitCode());
        assertThrows(IllegalStateException.class, failed::orThrow);

        assertThrows(IllegalStateException.class, () -> ExternalProcesses.run(Duration.ofMillis(300), "sleep", "30"));
    }
}
