package org.tandemlb.core.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Marks a test class or method that needs root (network namespaces, addresses on interfaces, raw
 * ARP): when the JVM does not run as root it is skipped, with {@link #value()} in the reason,
 * rather than failing on a developer's machine. CI runs as root, so there it runs.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RequiresRoot.Condition.class)
public @interface RequiresRoot {

    /** What root is needed for, e.g. "network namespaces". */
    String value();

    /** Disables a {@link RequiresRoot} test when this JVM is not root. */
    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getElement()
                    .flatMap(element -> java.util.Optional.ofNullable(element.getAnnotation(RequiresRoot.class)))
                    .map(RequiresRoot::value)
                    .map(Condition::evaluate)
                    .orElse(ConditionEvaluationResult.enabled("no @RequiresRoot here"));
        }

        private static ConditionEvaluationResult evaluate(String why) {
            return evaluate(ExternalProcesses.isRoot(), System.getProperty("user.name"), why);
        }

        static ConditionEvaluationResult evaluate(boolean root, String user, String why) {
            if (root) {
                return ConditionEvaluationResult.enabled("running as root");
            }
            return ConditionEvaluationResult.disabled(
                    "skipped: needs root for " + why + ", and this JVM runs as " + user + " (CI runs as root)");
        }
    }
}
