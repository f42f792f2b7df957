package org.tandemlb.core.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The launcher every test that starts a child process goes through, on small shell scripts. */
class ChildProcessTest {

    @Test
    void collectsLinesAndTheExactTextAndWaitsForALine() throws Exception {
        try (ChildProcess p = ChildProcess.command("sh", "-c", "echo one; echo \"port $PORT\"; printf tail")
                .env("PORT", "8080")
                .start()) {
            assertEquals(
                    "8080",
                    p.awaitLine(Pattern.compile("^port (\\d+)$"), Duration.ofSeconds(10))
                            .group(1));
            assertTrue(p.awaitExit(Duration.ofSeconds(10)));
            assertEquals(0, p.exitCode());
            assertEquals(List.of("one", "port 8080", "tail"), p.lines());
            assertEquals("one\nport 8080\ntail", p.text());
        }
    }

    @Test
    void keepsStderrApartWhenAskedAndMixesItInOtherwise() throws Exception {
        String script = "echo out; echo err >&2; exit 3";
        try (ChildProcess apart = ChildProcess.command("sh", "-c", script)
                        .separateStderr()
                        .start();
                ChildProcess mixed = ChildProcess.command("sh", "-c", script).start()) {
            assertTrue(apart.awaitExit(Duration.ofSeconds(10)));
            assertTrue(mixed.awaitExit(Duration.ofSeconds(10)));
            assertEquals(3, apart.exitCode());
            assertEquals("out\n", apart.text());
            assertEquals("err\n", apart.errorText());
            assertEquals(List.of("err"), apart.errorLines());
            assertTrue(mixed.lines().containsAll(List.of("out", "err")), mixed.output());
        }
    }

    @Test
    void awaitLineFailsWithTheOutputWhenTheChildExitsFirst() throws Exception {
        try (ChildProcess p = ChildProcess.command("sh", "-c", "echo bye; exit 1")
                .name("quitter")
                .start()) {
            AssertionError e = assertThrows(
                    AssertionError.class, () -> p.awaitLine(Pattern.compile("never"), Duration.ofSeconds(30)));
            assertTrue(
                    e.getMessage().startsWith("quitter exited with code 1 before printing a line with never"),
                    e.getMessage());
            assertTrue(e.getMessage().endsWith("\nbye"), e.getMessage());
        }
    }

    @Test
    void linesSentGoToItsStdinAndClosingItEndsTheInput() throws Exception {
        try (ChildProcess cat = ChildProcess.command("cat").start()) {
            cat.send("ping");
            cat.awaitLine(Pattern.compile("^ping$"), Duration.ofSeconds(10));
            cat.closeStdin();
            assertTrue(cat.awaitExit(Duration.ofSeconds(10)));
            assertEquals(0, cat.exitCode());
        }
    }

    @Test
    void signalsGoToItsPidAndStopEndsIt() throws Exception {
        // A shell runs its traps between commands: the loop's sleeps keep that within 50 ms.
        String script = "trap 'echo hup' HUP; trap 'exit 0' TERM; echo ready; while :; do sleep 0.05; done";
        try (ChildProcess p = ChildProcess.command("sh", "-c", script).start()) {
            p.awaitLine(Pattern.compile("^ready$"), Duration.ofSeconds(10));
            p.signal(ChildProcess.Signal.HUP);
            p.awaitLine(Pattern.compile("^hup$"), Duration.ofSeconds(10));
            assertTrue(p.isAlive());
            int from = p.lineCount();
            p.signal(ChildProcess.Signal.HUP);
            p.awaitLine(from, Pattern.compile("^hup$"), Duration.ofSeconds(10)); // a second one, not the first again

            assertEquals(0, p.stop(Duration.ofSeconds(10)));
            assertFalse(p.isAlive());
            assertEquals(List.of("ready", "hup", "hup"), p.lines());
        }
    }

    @Test
    void closeKillsAChildThatStillRunsByItsPid() throws Exception {
        ChildProcess p = ChildProcess.command("sleep", "60").start();
        p.close();
        assertFalse(p.isAlive());
        assertEquals(128 + 9, p.exitCode(), "SIGKILL");
    }

    @Test
    void aJvmChildIsThisJvmsJavaWithItsClassPath() {
        List<String> line = ChildProcess.java(ProxyMain.class)
                .jvmArgs("-Xmx32m")
                .args("http")
                .prefix("nice", "-n", "5")
                .commandLine();

        assertEquals(
                List.of(
                        "nice",
                        "-n",
                        "5",
                        ChildProcess.javaBinary(),
                        "-Xmx32m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        ProxyMain.class.getName(),
                        "http"),
                line);
    }
}
