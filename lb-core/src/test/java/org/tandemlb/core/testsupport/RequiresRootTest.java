package org.tandemlb.core.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;

class RequiresRootTest {

    @Test
    void aTestThatNeedsRootIsSkippedWithTheReasonWhenNotRoot() {
        ConditionEvaluationResult result = RequiresRoot.Condition.evaluate(false, "dev", "network namespaces");

        assertTrue(result.isDisabled());
        assertEquals(
                "skipped: needs root for network namespaces, and this JVM runs as dev (CI runs as root)",
                result.getReason().orElseThrow());
    }

    @Test
    void asRootItRuns() {
        assertFalse(RequiresRoot.Condition.evaluate(true, "root", "network namespaces")
                .isDisabled());
    }
}
