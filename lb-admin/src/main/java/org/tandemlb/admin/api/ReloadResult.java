package org.tandemlb.admin.api;

import java.util.List;

/**
 * The outcome of a reload: applied when there are no errors.
 *
 * @param errors  what was wrong with the file, one line each; empty when it was applied
 * @param restart the settings an applied reload changed but that wait for a restart, one line
 *                each (the key, then why); empty when everything applied
 */
public record ReloadResult(List<String> errors, List<String> restart) {
    /** A reload that was applied, all of it. */
    public static final ReloadResult APPLIED = new ReloadResult(List.of(), List.of());

    public ReloadResult {
        errors = List.copyOf(errors);
        restart = List.copyOf(restart);
    }

    /** A refused reload: {@code errors} says why. */
    public ReloadResult(List<String> errors) {
        this(errors, List.of());
    }

    /** An applied reload whose {@code restart} settings wait for a restart. */
    public static ReloadResult applied(List<String> restart) {
        return new ReloadResult(List.of(), restart);
    }

    /** Whether the new configuration is in force. */
    public boolean applied() {
        return errors.isEmpty();
    }
}
