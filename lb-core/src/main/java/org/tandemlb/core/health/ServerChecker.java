package org.tandemlb.core.health;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.backend.AdminState;
import org.tandemlb.core.backend.CheckResult;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.HealthCheckConfig;
import org.tandemlb.core.health.CheckScheduler.Cancellable;
import org.tandemlb.core.health.HealthState.Change;

/**
 * Checks one server: runs its probe every interval on its {@link CheckScheduler}, enforces the
 * check timeout, feeds the results to a {@link HealthState} and applies the decisions to the
 * {@link Server} (health, last result, failure count, one log line per change). It also hears
 * the server's passive-check errors and admin-state changes.
 *
 * <p>Everything but {@link #start}, {@link #stop} and the {@link Server.Observer} calls runs on
 * the scheduler's thread; those hand their work to it. No lock is held, none across I/O.
 *
 * <p>Two modes:
 * <ul>
 * <li><b>active</b> (the backend has a {@code health_check}): checks run all the time, except
 * in {@code maint};</li>
 * <li><b>recovery</b> (only a {@code passive_check}): no checks while the server is up; once
 * live traffic has marked it down, a {@code tcp} check with the default timings runs until
 * {@code rise} successes bring it back, then stops again.</li>
 * </ul>
 *
 * <p>Timing: the first check comes at a uniformly random point of the first interval, so that
 * servers configured together are not all checked in the same millisecond; each later one is
 * due one interval (plus or minus {@value #JITTER_PERCENT}% jitter) after the previous one
 * <em>started</em>, or at once when that check took longer. Hence a server that stops answering
 * is down within {@code fall × interval + timeout} (plus jitter), and one that answers again is
 * up within {@code rise × interval} plus the time of its checks.
 */
final class ServerChecker implements Server.Observer {
    private static final Logger log = LoggerFactory.getLogger(ServerChecker.class);
    static final int JITTER_PERCENT = 10;

    private final Server server;
    private final HealthCheckConfig active;
    private final boolean passive;
    private final HealthCheckConfig config;
    private final Check check;
    private final CheckScheduler scheduler;
    private final DoubleSupplier random;
    private final Clock clock;

    // Confined to the scheduler's thread.
    private HealthState state;
    private Cancellable next;
    private Cancellable deadline;
    private Cancellable probe;
    private boolean running;
    private long generation;

    private volatile boolean stopped;

    /**
     * @param server    the server to check
     * @param active    the backend's active check, or null when only the passive check is on
     * @param passive   whether the backend's passive check is on
     * @param check     the probe: of {@code active}, or a tcp probe with default timings
     * @param scheduler the thread and clock to run on
     * @param random    uniform numbers in [0, 1) for jitter
     * @param clock     the wall clock of {@link CheckResult#time()}
     */
    ServerChecker(
            Server server,
            HealthCheckConfig active,
            boolean passive,
            Check check,
            CheckScheduler scheduler,
            DoubleSupplier random,
            Clock clock) {
        this.server = Objects.requireNonNull(server);
        this.active = active;
        this.passive = passive;
        this.config = active != null ? active : HealthCheckConfig.DEFAULT_TCP;
        this.check = Objects.requireNonNull(check);
        this.scheduler = Objects.requireNonNull(scheduler);
        this.random = Objects.requireNonNull(random);
        this.clock = Objects.requireNonNull(clock);
    }

    /** The check to run for a backend with {@code active} (may be null): itself, or the recovery check. */
    static HealthCheckConfig effectiveCheck(HealthCheckConfig active) {
        return active != null ? active : HealthCheckConfig.DEFAULT_TCP;
    }

    /** Whether this checker does what a backend with {@code otherActive} and {@code otherPassive} needs. */
    boolean sameAs(HealthCheckConfig otherActive, boolean otherPassive) {
        return Objects.equals(active, otherActive) && passive == otherPassive;
    }

    Server server() {
        return server;
    }

    private boolean recoveryOnly() {
        return active == null;
    }

    /**
     * Starts checking.
     *
     * @param fresh true for a server seen for the first time (boot, or added by a reload): it is
     *              up only until its first check fails; false for a server whose check changed:
     *              it keeps its health
     */
    void start(boolean fresh) {
        server.observer(this);
        scheduler.execute(() -> {
            if (stopped) {
                return;
            }
            boolean up = server.isUp();
            state = new HealthState(config.rise(), config.fall(), up, fresh);
            if (server.adminState() != AdminState.MAINT && (!recoveryOnly() || !up)) {
                scheduleIn(fraction(config.interval(), random.getAsDouble()));
            }
        });
    }

    /** Stops checking; a check in flight is cancelled and its connection closed. */
    void stop() {
        stopped = true;
        server.observer(null);
        scheduler.execute(this::cancelAll);
    }

    private void scheduleIn(Duration delay) {
        if (next != null) {
            next.cancel();
        }
        next = scheduler.schedule(this::runCheck, delay);
    }

    private void runCheck() {
        next = null;
        if (stopped || running || server.adminState() == AdminState.MAINT || (recoveryOnly() && state.up())) {
            return;
        }
        running = true;
        long gen = ++generation;
        long started = scheduler.nanoTime();
        Duration timeout = config.timeout();
        deadline = scheduler.schedule(
                () -> finish(gen, started, Check.Outcome.failed("timeout after " + timeout.toMillis() + "ms"), true),
                timeout);
        Cancellable p;
        try {
            p = check.start(outcome -> finish(gen, started, outcome, false));
        } catch (RuntimeException e) {
            // A probe that cannot even start (a channel that cannot be created) is a failed check.
            log.debug("{} check of {} could not start", check.type(), server, e);
            finish(gen, started, Check.Outcome.failed("cannot start: " + e), false);
            return;
        }
        if (running && generation == gen) {
            probe = p;
        }
    }

    private void finish(long gen, long started, Check.Outcome outcome, boolean timedOut) {
        if (stopped || !running || gen != generation) {
            return; // a late answer of a check that timed out or was cancelled
        }
        running = false;
        Cancellable timer = deadline;
        Cancellable inFlight = probe;
        deadline = null;
        probe = null;
        if (timer != null) {
            timer.cancel();
        }
        if (timedOut && inFlight != null) {
            inFlight.cancel();
        }
        long tookNanos = Math.max(0, scheduler.nanoTime() - started);
        Duration took = Duration.ofNanos(tookNanos);
        CheckResult result = new CheckResult(
                outcome.passed() ? CheckResult.Status.PASSED : CheckResult.Status.FAILED,
                check.type(),
                outcome.message(),
                took,
                clock.instant());
        server.recordCheck(result);
        boolean wasProvisional = state.provisional();
        Change change = state.record(outcome.passed());
        switch (change) {
            case WENT_DOWN -> {
                String why = result + " ("
                        + (wasProvisional ? "first check failed" : state.failures() + "/" + state.fall() + " failed")
                        + ")";
                server.setUp(false, why);
                log.warn("server {} is DOWN: {}", server, why);
            }
            case WENT_UP -> {
                server.setUp(true, result + " (" + state.successes() + "/" + state.rise() + " succeeded)");
                log.info("server {} is UP: {} ({}/{} succeeded)", server, result, state.successes(), state.rise());
            }
            case NONE -> log.debug("server {}: {} ({})", server, result, state);
        }
        if (!recoveryOnly() || !state.up()) {
            Duration interval = jittered(state.nextInterval(config));
            scheduleIn(interval.minus(took).isNegative() ? Duration.ZERO : interval.minus(took));
        }
    }

    private void cancelAll() {
        generation++;
        running = false;
        for (Cancellable c : new Cancellable[] {next, deadline, probe}) {
            if (c != null) {
                c.cancel();
            }
        }
        next = null;
        deadline = null;
        probe = null;
    }

    @Override
    public void passiveLimitReached(Server s, int errors) {
        if (stopped) {
            return;
        }
        // Down at once, from the thread that saw the last error; the state machine follows on
        // the checker's thread. Only this checker brings the server back up, so the two agree.
        server.setUp(false, "passive check: " + errors + " consecutive connect errors or timeouts");
        scheduler.execute(() -> {
            if (stopped || state == null) {
                return;
            }
            if (state.forceDown() == Change.WENT_DOWN) {
                log.warn("server {} is DOWN: passive check: {} consecutive connect errors or timeouts", server, errors);
            }
            if (recoveryOnly() && next == null && !running && server.adminState() != AdminState.MAINT) {
                scheduleIn(jittered(config.downInterval()));
            }
        });
    }

    @Override
    public void adminStateChanged(Server s, AdminState previous) {
        AdminState now = server.adminState();
        if (stopped) {
            return;
        }
        scheduler.execute(() -> {
            if (stopped || state == null) {
                return;
            }
            if (now == AdminState.MAINT) {
                cancelAll(); // maint: no checks
            } else if (previous == AdminState.MAINT) {
                // Leaving maint, as HAProxy's init-state up: up at once, and the first check,
                // run at once, takes it down if it fails.
                cancelAll();
                boolean wasUp = server.isUp();
                state.restartProvisionallyUp();
                server.setUp(true, "left maint (until a check fails)");
                if (!wasUp) {
                    log.info("server {} is UP: left maint (until a check fails)", server);
                }
                if (!recoveryOnly()) {
                    scheduleIn(Duration.ZERO);
                }
            }
        });
    }

    private Duration jittered(Duration d) {
        double factor = 1 + JITTER_PERCENT / 100.0 * (2 * random.getAsDouble() - 1);
        return fraction(d, factor);
    }

    private static Duration fraction(Duration d, double factor) {
        return Duration.ofNanos((long) (d.toNanos() * factor));
    }

    @Override
    public String toString() {
        return "checker of " + server + " (" + config.type().configName() + (recoveryOnly() ? ", recovery only" : "")
                + ")";
    }
}
