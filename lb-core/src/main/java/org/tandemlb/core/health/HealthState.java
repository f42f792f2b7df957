package org.tandemlb.core.health;

import java.time.Duration;
import org.tandemlb.core.config.HealthCheckConfig;

/**
 * The health of one server as its checks see it: the rise/fall counting, the up/down decision
 * and which interval comes next. Pure logic, no time or I/O; confined to its checker's thread.
 *
 * <ul>
 * <li>{@code fall} consecutive failures take an up server down; {@code rise} consecutive
 * successes bring a down server up. A result of the other kind starts the count again.</li>
 * <li>A server starts <em>provisionally</em> up, at boot and when it leaves {@code maint}
 * (HAProxy's {@code init-state up}): its first failed check takes it down at once; its first
 * successful one makes it fully up, after which {@code fall} applies.</li>
 * <li>Intervals as HAProxy's {@code inter}, {@code fastinter} and {@code downinter}: the
 * interval while up with no failure counted; the fast interval while between states (up with
 * failures counted, or down with successes counted, or provisionally up); the down interval
 * while down with no success counted.</li>
 * <li>A passive check may {@linkplain #forceDown() force} the server down at once; active checks
 * then need {@code rise} successes to bring it back.</li>
 * </ul>
 */
final class HealthState {

    /** What a result changed. */
    enum Change {
        /** Nothing: still up, or still down. */
        NONE,
        /** The server went up. */
        WENT_UP,
        /** The server went down. */
        WENT_DOWN
    }

    private final int rise;
    private final int fall;
    private boolean up;
    private boolean provisional;
    private int successes;
    private int failures;

    /**
     * @param rise        consecutive successes that bring a down server up
     * @param fall        consecutive failures that take an up server down
     * @param up          the state to start in
     * @param provisional whether an up server is only provisionally up (boot, leaving maint):
     *                    its first failure takes it down
     */
    HealthState(int rise, int fall, boolean up, boolean provisional) {
        if (rise < 1 || fall < 1) {
            throw new IllegalArgumentException("rise and fall must be at least 1");
        }
        this.rise = rise;
        this.fall = fall;
        this.up = up;
        this.provisional = up && provisional;
    }

    /** Counts one check result and says whether the server changed state. */
    Change record(boolean success) {
        if (success) {
            failures = 0;
            if (up) {
                provisional = false;
                successes = Math.min(successes + 1, rise);
                return Change.NONE;
            }
            successes++;
            if (successes >= rise) {
                up = true;
                successes = rise;
                return Change.WENT_UP;
            }
            return Change.NONE;
        }
        successes = 0;
        if (!up) {
            failures = Math.min(failures + 1, fall);
            return Change.NONE;
        }
        failures++;
        if (provisional || failures >= fall) {
            up = false;
            provisional = false;
            failures = Math.min(failures, fall);
            return Change.WENT_DOWN;
        }
        return Change.NONE;
    }

    /** A passive check marks the server down: from now on {@code rise} successes bring it back. */
    Change forceDown() {
        successes = 0;
        failures = 0;
        provisional = false;
        if (!up) {
            return Change.NONE;
        }
        up = false;
        return Change.WENT_DOWN;
    }

    /** Back to provisionally up, as at boot (the server leaves {@code maint}). */
    void restartProvisionallyUp() {
        up = true;
        provisional = true;
        successes = 0;
        failures = 0;
    }

    /** The time to wait before the next check, before jitter. */
    Duration nextInterval(HealthCheckConfig config) {
        if (up) {
            return failures > 0 || provisional ? config.fastInterval() : config.interval();
        }
        return successes > 0 ? config.fastInterval() : config.downInterval();
    }

    /** Whether the server is up. */
    boolean up() {
        return up;
    }

    /** Whether the server is up only until its first failed check. */
    boolean provisional() {
        return provisional;
    }

    /** Consecutive successes counted (while down, towards {@code rise}). */
    int successes() {
        return successes;
    }

    /** Consecutive failures counted (while up, towards {@code fall}). */
    int failures() {
        return failures;
    }

    int rise() {
        return rise;
    }

    int fall() {
        return fall;
    }

    @Override
    public String toString() {
        return (up ? provisional ? "up (provisional)" : "up" : "down") + ", " + successes + "/" + rise + " succeeded, "
                + failures + "/" + fall + " failed";
    }
}
