package org.tandemlb.cluster.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.tandemlb.core.testsupport.ExternalProcesses;

/** {@code ip} (iproute2) for the tests that build networks of namespaces: a failure fails the test. */
final class Ip {
    private Ip() {}

    /** Runs {@code ip args...} (10 s at most); fails the test with its stderr unless it succeeds. */
    static void ip(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        ExternalProcesses.CommandResult r = ExternalProcesses.run(Duration.ofSeconds(10), cmd);
        if (!r.ok()) {
            fail(String.join(" ", cmd) + ": " + r.stderr().trim());
        }
    }
}
