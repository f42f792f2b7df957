package org.tandemlb.admin.api;

import java.util.List;

/**
 * The outcome of a reload: applied when there are no errors.
 *
 * @param errors what was wrong with the file, one line each; empty when it was applied
 */
public record ReloadResult(List<String> errors) {
    /** A reload that was applied. */
    public static final ReloadResult APPLIED = new ReloadResult(List.of());

    public ReloadResult {
        errors = List.copyOf(errors);
    }

    /** Whether the new configuration is in force. */
    public boolean applied() {
        return errors.isEmpty();
    }
}
