package org.tandemlb.examples.foobar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.core.testsupport.ChildProcess;

/**
 * The {@code tandem check} command itself (lb-admin's tandem.jar, a process of its own) accepts
 * {@code examples/foobar/lb1.yaml} and {@code lb2.yaml} in the environment run-local.sh gives
 * them: {@code FOOBAR_STATE} holding the site's certificate, and the cluster's secret.
 */
class FoobarTandemCheckIT {

    private static final Duration LIMIT = Duration.ofSeconds(60);

    @TempDir
    Path state;

    @Test
    void tandemCheckAcceptsBothLoadBalancerConfigs() throws Exception {
        FoobarState.makeCertificate(state);

        for (String lb : List.of("lb1", "lb2")) {
            Path file = Path.of(System.getProperty("foobar.dir"), lb + ".yaml");
            try (ChildProcess check = tandemCheck(file)
                    .env("FOOBAR_STATE", state.toString())
                    .env("TANDEM_CLUSTER_SECRET", "a secret for " + lb)
                    .start()) {
                assertTrue(check.awaitExit(LIMIT), check.errorText());
                assertEquals(0, check.exitCode(), check.errorText());
                assertEquals(List.of(file + ": configuration is valid"), check.lines(), check.errorText());
            }
        }
    }

    @Test
    void withoutTheCertificateAndTheSecretTandemCheckSaysWhatIsMissing() throws Exception {
        Path file = Path.of(System.getProperty("foobar.dir"), "lb1.yaml");
        try (ChildProcess check = tandemCheck(file)
                .env("FOOBAR_STATE", state.toString())
                .unsetEnv("TANDEM_CLUSTER_SECRET")
                .start()) {
            assertTrue(check.awaitExit(LIMIT), check.errorText());
            assertEquals(1, check.exitCode(), check.output() + check.errorText());
            String errors = check.errorText();
            assertTrue(
                    errors.contains("frontends.www.tls.certificates[0].cert: " + state + "/tls/www.foobar.com.crt"),
                    errors);
            assertTrue(
                    errors.contains("cluster.secret: environment variable TANDEM_CLUSTER_SECRET is not set"), errors);
        }
    }

    private static ChildProcess.Builder tandemCheck(Path file) {
        return ChildProcess.command(
                        ChildProcess.javaBinary(),
                        "-jar",
                        System.getProperty("tandem.jar"),
                        "check",
                        "-c",
                        file.toString())
                .name("tandem check " + file.getFileName())
                .separateStderr();
    }
}
