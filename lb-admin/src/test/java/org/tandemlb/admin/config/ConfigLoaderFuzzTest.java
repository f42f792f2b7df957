package org.tandemlb.admin.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Fuzzes the reading of a configuration file, from the YAML text to the checked model
 * (CONTRIBUTING.md, "Fuzzing"). Invariant: any text gives either a configuration or a
 * {@link ConfigException} with at least one problem, each with a position and a message; never
 * another exception (which {@code tandem run} and {@code tandem check} would show as a crash
 * instead of the file's problems, and which would fail a reload instead of keeping the running
 * configuration).
 */
class ConfigLoaderFuzzTest {
    /** A fixed environment: {@code ${VAR}} substitution is fuzzed too, and no host name is looked up. */
    private static final Map<String, String> ENV = Map.of("HOSTNAME", "fuzz", "PORT", "8080", "EMPTY", "");

    @FuzzTest(maxDuration = "20s")
    void anyTextGivesAConfigurationOrProblems(byte[] file) {
        // As ConfigLoader.load reads a file, without its strict UTF-8 check (a separate, tested
        // problem): what is fuzzed here is the YAML and the rules.
        String text = new String(file, StandardCharsets.UTF_8);
        try {
            assertNotNull(ConfigLoader.parse("fuzz.yaml", text, ENV));
        } catch (ConfigException e) {
            assertFalse(e.problems().isEmpty(), "a ConfigException without a problem");
            for (ConfigProblem p : e.problems()) {
                assertTrue(p.line() >= 1 && p.column() >= 1, "a problem without a position: " + p);
                assertFalse(p.message().isBlank(), "a problem without a message: " + p);
            }
        }
    }
}
