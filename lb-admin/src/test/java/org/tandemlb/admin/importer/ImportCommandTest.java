package org.tandemlb.admin.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tandemlb.admin.importer.ImportCorpusTest.tandem;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.admin.importer.ImportCorpusTest.Run;

/** {@code tandem import}'s exit codes and where its output goes. */
class ImportCommandTest {

    @TempDir
    Path dir;

    private static final String CFG = """
            frontend www
                mode http
                bind 127.0.0.1:8080
                default_backend web
                option dontlognull
            backend web
                mode http
                server web1 127.0.0.1:9001 check
            """;

    @Test
    void withoutOutputFileTheYamlGoesToStdoutAndTheNotesToStderr() throws Exception {
        Path cfg = Files.writeString(dir.resolve("haproxy.cfg"), CFG);
        Run run = tandem("import", cfg.toString());
        assertEquals(0, run.exit(), run.err());
        assertTrue(
                run.out().contains("\nfrontends:\n  # from " + cfg + ":1 (frontend www)\n  - name: www\n"), run.out());
        assertEquals(cfg + ":5: option dontlognull -- Tandem logs every connection\n", run.err());
    }

    @Test
    void anOutputThatDoesNotPassTheCheckIsWrittenAndExits1WithItsProblems() throws Exception {
        Path cfg = Files.writeString(
                dir.resolve("haproxy.cfg"),
                CFG.replace("bind 127.0.0.1:8080", "bind 127.0.0.1:8443 ssl crt /nonexistent/site.pem"));
        Path out = dir.resolve("tandem.yaml");
        Run run = tandem("import", cfg.toString(), "-o", out.toString());
        assertEquals(1, run.exit());
        assertTrue(Files.exists(out));
        assertTrue(
                run.err()
                        .contains(cfg + ":3: bind 127.0.0.1:8443 ssl crt /nonexistent/site.pem -- "
                                + "/nonexistent/site.pem cannot be read here"),
                run.err());
        assertTrue(
                run.err().contains("tandem: the imported file does not pass tandem check yet:\n" + out + ":"),
                run.err());
        assertEquals("", run.out());
    }

    @Test
    void aConfigurationWithNothingToTranslateGivesAValidFile() throws Exception {
        Path cfg = Files.writeString(dir.resolve("haproxy.cfg"), "global\n    daemon\n");
        Run run = tandem("import", cfg.toString());
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().endsWith("\nfrontends: []\n"), run.out());
    }

    @Test
    void anInputThatCannotBeReadExits1AndBadUsage2() {
        Run missing = tandem("import", dir.resolve("nope.cfg").toString());
        assertEquals(1, missing.exit());
        assertEquals("tandem: cannot read " + dir.resolve("nope.cfg") + ": no such file\n", missing.err());
        assertEquals(2, tandem("import").exit());
        assertEquals(2, tandem("import", "a", "b", "c").exit());
    }
}
