package org.tandemlb.admin.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Tandem's version, as the build wrote it into {@code org/tandemlb/admin/version.properties}. */
public final class Version {
    private Version() {}

    /** The version, or {@code unknown} when the build did not write it (a run from an IDE). */
    public static String get() {
        Properties p = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("/org/tandemlb/admin/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // Falls through to "unknown": the version is informative, never worth a failure.
        }
        String v = p.getProperty("version", "");
        // Unfiltered (run from an IDE that skipped Maven's resource filtering).
        return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
    }
}
