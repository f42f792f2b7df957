package org.tandemlb.admin.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.tandemlb.admin.TandemCommand;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.admin.config.TandemConfig;
import org.tandemlb.core.testsupport.ExternalProcesses;
import org.tandemlb.core.testsupport.TestCertificates;
import picocli.CommandLine;

/**
 * {@code tandem import} on a corpus of real configurations, each output read back by the real
 * config loader as {@code tandem check} reads it: Debian's packaged {@code /etc/haproxy/haproxy.cfg},
 * the examples of Debian's {@code haproxy} package (read where the package installs them,
 * /usr/share/doc/haproxy/examples; they are GPL, so not copied here; Debian's {@code haproxy-doc}
 * package holds the HTML manual only, no configuration file, as {@code dpkg-deb -c} shows), and the
 * www.foobar.com site of src/test/resources/import/foobar (two
 * LBs with keepalived, web, app, static, MySQL with mysql-check, TLS).
 */
class ImportCorpusTest {

    private static final Path EXAMPLES = Path.of("/usr/share/doc/haproxy/examples");
    private static final Path DEBIAN_CFG = Path.of("/etc/haproxy/haproxy.cfg");
    /** A note on stderr: {@code FILE:LINE: TEXT -- REASON}. */
    private static final Pattern NOTE = Pattern.compile("[^:]+:\\d+: .+ -- .+");

    /** The environment the cluster sections need, as a user would set it. */
    private static final Map<String, String> ENV = Map.of(
            "TANDEM_CLUSTER_SECRET", "a-long-random-string-shared-by-both-nodes",
            "TANDEM_CLUSTER_BIND", "192.0.2.11:7800",
            "TANDEM_CLUSTER_PEER", "192.0.2.12:7800");

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {}

    static Run tandem(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = TandemCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    static Stream<Path> debianExamples() throws IOException {
        ExternalProcesses.requireBinary("haproxy", "/usr/sbin/haproxy", "haproxy");
        assertTrue(
                Files.isDirectory(EXAMPLES),
                EXAMPLES + " is missing: the haproxy package installs it unless dpkg excludes /usr/share/doc");
        try (Stream<Path> s = Files.list(EXAMPLES)) {
            List<Path> cfgs =
                    s.filter(p -> p.toString().endsWith(".cfg")).sorted().toList();
            // Debian 12's haproxy 2.6 ships seven; fewer means the package changed under the test.
            assertTrue(cfgs.size() >= 7, "examples in " + EXAMPLES + ": " + cfgs);
            return cfgs.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("debianExamples")
    void debianExamplesImportIntoFilesTandemCheckAccepts(Path example) throws Exception {
        importAndCheck(copy(example), null);
    }

    @Test
    void debiansPackagedConfigurationImportsIntoAFileTandemCheckAccepts() throws Exception {
        ExternalProcesses.requireBinary("haproxy", "/usr/sbin/haproxy", "haproxy");
        Run run = importAndCheck(copy(DEBIAN_CFG), null);
        // Only global and defaults: nothing to serve, every process and log line noted.
        assertTrue(run.err().contains("chroot /var/lib/haproxy -- "), run.err());
        assertTrue(run.err().contains("errorfile 503 /etc/haproxy/errors/503.http -- "), run.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"keepalived-lb1.conf", "keepalived-lb2.conf", "keepalived-multicast.conf"})
    void foobarImportsIntoFilesTandemCheckAccepts(String keepalived) throws Exception {
        Path cfg = copyResource("haproxy.cfg");
        Run run = importAndCheck(cfg, copyResource(keepalived));
        // cookie SRV insert indirect nocache: Tandem's persistence; the servers' own values are noted.
        String yaml = Files.readString(dir.resolve("tandem.yaml"));
        assertTrue(
                yaml.contains("    persistence:\n      cookie: SRV\n      mode: insert\n      nocache: true\n"
                        + "      httponly: false\n"),
                yaml);
        assertTrue(run.err().contains("cookie w1 (a server's cookie value is a hash of its name in Tandem"), run.err());
        // The lines of haproxy.cfg that are noted; every other line (but comments and blanks) is translated.
        List<Integer> noted = run.err()
                .lines()
                .filter(l -> l.startsWith(cfg + ":"))
                .map(l -> Integer.parseInt(l.substring(
                        cfg.toString().length() + 1,
                        l.indexOf(':', cfg.toString().length() + 1))))
                .distinct()
                .toList();
        assertEquals(List.of(5, 6, 7, 8, 9, 10, 11, 13, 17, 18, 19, 37, 54, 55, 56, 74, 80, 88, 90, 91, 92), noted);
    }

    /**
     * Imports {@code cfg} (and {@code keepalived}) with the command, then checks that the output
     * loads, that every note is on stderr and at the top of the file, and that stdout says so.
     */
    private Run importAndCheck(Path cfg, Path keepalived) throws Exception {
        Path out = dir.resolve("tandem.yaml");
        List<String> args = new ArrayList<>(List.of("import", cfg.toString()));
        if (keepalived != null) {
            args.add(keepalived.toString());
        }
        args.addAll(List.of("-o", out.toString()));
        Run run = tandem(args.toArray(String[]::new));
        assertEquals(0, run.exit(), run.err());
        assertEquals("wrote " + out + " (", run.out().substring(0, ("wrote " + out + " (").length()));
        String yaml = Files.readString(out);
        for (String line : run.err().split("\n")) {
            if (!line.isEmpty()) {
                assertTrue(NOTE.matcher(line).matches(), "not a note: " + line);
                assertTrue(yaml.contains("#   " + line + "\n"), "not at the top of the output: " + line);
            }
        }
        TandemConfig loaded = ConfigLoader.load(out, ENV);
        if (keepalived == null) {
            // Without a cluster section no variable is needed: the check command itself accepts it.
            Run check = tandem("check", "-c", out.toString());
            assertEquals(0, check.exit(), check.err() + "\n" + yaml);
        } else {
            assertFalse(loaded.solo());
        }
        return run;
    }

    /** {@code file} in the test's directory, with the certificates its {@code crt} and {@code ca-file} name. */
    private Path copy(Path file) throws IOException {
        return withCertificates(Files.writeString(dir.resolve(file.getFileName()), Files.readString(file)));
    }

    private Path copyResource(String name) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/import/foobar/" + name)) {
            Path p = dir.resolve(name);
            Files.write(p, in.readAllBytes());
            return withCertificates(p);
        }
    }

    /**
     * Writes the files an HAProxy configuration's {@code crt} (a certificate and key bundle) and
     * {@code ca-file} words name, relative to its directory, as the site would have them.
     */
    private Path withCertificates(Path cfg) throws IOException {
        String text = Files.readString(cfg);
        Matcher m = Pattern.compile("\\s(crt|ca-file)\\s+(\\S+)").matcher(text);
        TestCertificates certs = null;
        while (m.find()) {
            if (certs == null) {
                certs = TestCertificates.create(Files.createDirectories(dir.resolve("pki")));
            }
            Path target = dir.resolve(m.group(2));
            Files.createDirectories(target.getParent());
            if (m.group(1).equals("crt")) {
                TestCertificates.Issued issued = certs.issue(
                        "bundle" + m.start(),
                        TestCertificates.KeyType.EC,
                        TestCertificates.KeyFormat.PKCS8,
                        "www.example.com");
                Files.writeString(
                        target,
                        Files.readString(issued.chain()) + Files.readString(issued.key()),
                        StandardCharsets.US_ASCII);
            } else {
                Files.copy(certs.caCertificate(), target);
            }
        }
        return cfg;
    }
}
