package org.tandemlb.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tandemlb.core.testsupport.ChildProcess;
import org.tandemlb.core.testsupport.TestCertificates;
import picocli.CommandLine;

/** The {@code tandem} command line: exit codes and what lands on stdout and stderr. */
class TandemCommandTest {

    @TempDir
    Path dir;

    /** One in-process run of the command, with what it printed. */
    record Run(int exit, String out, String err) {
        List<String> errLines() {
            return err.isEmpty() ? List.of() : List.of(err.split("\n"));
        }
    }

    static Run tandem(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = TandemCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private Path write(String name, String yaml) throws IOException {
        return Files.writeString(dir.resolve(name), yaml, StandardCharsets.UTF_8);
    }

    private static final String VALID = """
            node: lb1
            frontends:
              - name: www
                bind: 127.0.0.1:0
                default_backend: web
            backends:
              - name: web
                servers:
                  - { name: web1, address: 127.0.0.1:8081 }
                  - { name: web2, address: 127.0.0.1:8082 }
            """;

    /** An unknown key (line 5), a bad duration (line 6) and a backend that does not exist (line 7). */
    private static final String THREE_MISTAKES = """
            node: lb1
            frontends:
              - name: www
                bind: 127.0.0.1:0
                max_conections: 100
                timeouts: { client: 5 }
                default_backend: webb
            backends:
              - name: web
                servers:
                  - { name: web1, address: 127.0.0.1:8081 }
            """;

    @Test
    void checkOnAValidFileSaysSoOnStdoutAndExitsZero() throws IOException {
        Path file = write("ok.yaml", VALID);

        Run run = tandem("check", "-c", file.toString());

        assertEquals(0, run.exit(), run.err());
        assertEquals(file + ": configuration is valid\n", run.out());
        assertEquals("", run.err());
    }

    @Test
    void checkPrintsEveryProblemAsFileLineColOnStderrAndExitsOne() throws IOException {
        Path file = write("bad.yaml", THREE_MISTAKES);

        Run run = tandem("check", "-c", file.toString());

        assertEquals(1, run.exit());
        assertEquals("", run.out());
        List<String> lines = run.errLines();
        assertEquals(3, lines.size(), run.err());
        Pattern problem = Pattern.compile(Pattern.quote(file.toString()) + ":(\\d+):(\\d+): \\S.*");
        List<Integer> lineNumbers = new ArrayList<>();
        for (String line : lines) {
            var m = problem.matcher(line);
            assertTrue(m.matches(), line);
            lineNumbers.add(Integer.parseInt(m.group(1)));
        }
        assertEquals(List.of(5, 6, 7), lineNumbers, run.err());
        assertTrue(lines.get(0).contains("max_conections"), lines.get(0));
        assertTrue(lines.get(2).contains("webb"), lines.get(2));
    }

    @Test
    void checkNamesTheKeyFileThatDoesNotMatchItsCertificate() throws IOException {
        TestCertificates ca = TestCertificates.create(dir.resolve("ca"));
        var www = ca.issue(
                "www", TestCertificates.KeyType.RSA, TestCertificates.KeyFormat.TRADITIONAL, "www.example.com");
        var other =
                ca.issue("other", TestCertificates.KeyType.RSA, TestCertificates.KeyFormat.PKCS8, "www.example.com");
        Path file =
                write("tls.yaml", VALID.replace("    default_backend: web\n", """
                    default_backend: web
                    tls:
                      certificates:
                        - { cert: %s, key: %s }
                """.formatted(www.chain(), other.key())));

        Run run = tandem("check", "-c", file.toString());

        assertEquals(1, run.exit(), run.out());
        assertEquals(
                List.of(file + ":8:" + (26 + www.chain().toString().length())
                        + ": frontends.www.tls.certificates[0].key: " + other.key()
                        + ": this key does not match the certificate " + www.chain() + " (CN=www.example.com)"),
                run.errLines());
    }

    @Test
    void versionPrintsTheBuildVersion() {
        Run run = tandem("version");

        assertEquals(0, run.exit());
        assertTrue(run.out().matches("tandem \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\n"), run.out());
        assertEquals(run.out(), tandem("--version").out());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "frob",
                "check",
                "run",
                "check -c",
                "check -c a.yaml extra",
                "run --nope -c a.yaml",
                "demo --port 70000",
                "demo --port eighty"
            })
    void badUsageExitsTwoWithAMessageOnStderr(String args) {
        Run run = tandem(args.isEmpty() ? new String[0] : args.split(" "));

        assertEquals(2, run.exit(), run.err());
        assertFalse(run.err().isBlank());
        assertEquals("", run.out());
    }

    @Test
    void aMisspelledCommandGetsASuggestion() {
        Run run = tandem("chek", "-c", "a.yaml");

        assertEquals(2, run.exit());
        assertTrue(run.err().contains("check"), run.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"check", "run"})
    void aMissingConfigFileExitsOneWithOneLine(String command) {
        Path missing = dir.resolve("nope.yaml");

        Run run = tandem(command, "-c", missing.toString());

        assertEquals(1, run.exit());
        assertEquals(1, run.errLines().size(), run.err());
        assertTrue(run.err().startsWith("tandem: "), run.err());
        assertTrue(run.err().contains(missing.toString()), run.err());
    }

    @Test
    void runExitsOneWithOneLineWhenAFrontendCannotListen() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path file = write("taken.yaml", VALID.replace("127.0.0.1:0", "127.0.0.1:" + taken.getLocalPort()));

            Run run = tandem("run", "-c", file.toString());

            assertEquals(1, run.exit());
            assertEquals(1, run.errLines().size(), run.err());
            assertTrue(run.err().startsWith("tandem: frontend www"), run.err());
        }
    }

    @Test
    void runOnAnInvalidFilePrintsItsProblemsAndExitsOne() throws IOException {
        Path file = write("bad.yaml", THREE_MISTAKES);

        Run run = tandem("run", "-c", file.toString());

        assertEquals(1, run.exit());
        assertEquals(3, run.errLines().size(), run.err());
    }

    /**
     * The daemon's logback.xml (tests run with lb-core's logback-test.xml, which hides it): it
     * parses without a single complaint, logs to stdout, and keeps Netty at WARN.
     */
    @Test
    void theShippedLogbackConfigurationIsValid() throws Exception {
        ch.qos.logback.classic.LoggerContext context = new ch.qos.logback.classic.LoggerContext();
        ch.qos.logback.classic.joran.JoranConfigurator configurator =
                new ch.qos.logback.classic.joran.JoranConfigurator();
        configurator.setContext(context);
        java.net.URL xml = TandemCommand.class.getResource("/logback.xml");
        assertTrue(xml != null && xml.getPath().contains("lb-admin"), String.valueOf(xml));

        configurator.doConfigure(xml);

        List<ch.qos.logback.core.status.Status> complaints = context.getStatusManager().getCopyOfStatusList().stream()
                .filter(st -> st.getLevel() >= ch.qos.logback.core.status.Status.WARN)
                .toList();
        assertEquals(List.of(), complaints);
        assertEquals(
                ch.qos.logback.classic.Level.WARN, context.getLogger("io.netty").getLevel());
        assertEquals(
                ch.qos.logback.classic.Level.INFO,
                context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getLevel());
        context.stop();
    }

    /** The real entry point in its own JVM: main's exit codes and streams. */
    @Test
    void theMainClassExitsWithTheCommandsCodeInItsOwnProcess() throws Exception {
        Path good = write("good.yaml", VALID);
        Path bad = write("bad.yaml", THREE_MISTAKES);

        try (ChildProcess ok = java("check", "-c", good.toString());
                ChildProcess ko = java("check", "-c", bad.toString());
                ChildProcess usage = java("check")) {
            assertTrue(ko.awaitExit(Duration.ofSeconds(60)));
            assertTrue(ok.awaitExit(Duration.ofSeconds(60)));
            assertTrue(usage.awaitExit(Duration.ofSeconds(60)));
            assertEquals(0, ok.exitCode());
            assertEquals(good + ": configuration is valid\n", ok.text());
            assertEquals(1, ko.exitCode());
            assertEquals("", ko.text());
            assertEquals(3, ko.errorLines().size());
            assertEquals(2, usage.exitCode());
        }
    }

    /** Starts {@code TandemCommand} in a new JVM with this test's class path, stdout and stderr apart. */
    private static ChildProcess java(String... args) throws IOException {
        return ChildProcess.java(TandemCommand.class)
                .args(args)
                .separateStderr()
                .start();
    }
}
