package org.tandemlb.core.http;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import me.normanmaurer.maven.autobahntestsuite.AutobahnTestSuite;
import me.normanmaurer.maven.autobahntestsuite.FuzzingCaseResult;

/**
 * Runs the Autobahn|Testsuite's fuzzing client once, in a JVM of its own whose class path holds
 * only the suite, Jython and this class (in the tests' JVM, Jython would take the Java package
 * {@code io} of {@code io.netty} for Python's {@code io} module and fail to start). Writes its
 * report under {@code target/autobahntestsuite-reports} of its working directory and prints one
 * line per case: {@code CASE <id> <behavior> <close behavior>}.
 *
 * <p>Arguments: the agent's name, the server's {@code ws://} URL, the cases to run (comma
 * separated, {@code *} patterns), the cases to leave out.
 */
final class AutobahnFuzzingClient {
    private AutobahnFuzzingClient() {}

    public static void main(String[] args) {
        List<FuzzingCaseResult> results =
                AutobahnTestSuite.runFuzzingClient(args[0], args[1], Map.of(), list(args[2]), list(args[3]));
        for (FuzzingCaseResult r : results) {
            Object behavior = r.behavior();
            Object close = r.behaviorClose();
            System.out.println("CASE " + r.caseName() + " " + behavior + " " + close);
        }
        System.out.println("DONE " + results.size());
    }

    private static List<String> list(String commaSeparated) {
        return commaSeparated.isEmpty() ? List.of() : Arrays.asList(commaSeparated.split(","));
    }
}
