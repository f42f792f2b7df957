package org.tandemlb.admin.daemon;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.admin.api.ReloadResult;
import org.tandemlb.admin.config.ConfigException;
import org.tandemlb.admin.config.ConfigProblem;
import org.tandemlb.admin.config.TandemConfig;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.history.EventLog;
import org.tandemlb.core.history.EventType;

/**
 * How a reload's outcome is told: the log, the engine's event log ({@code GET /api/v1/events})
 * and the {@link ReloadResult} the API and {@code tandem ctl reload} answer with.
 */
final class ReloadReport {
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    private ReloadReport() {}

    /**
     * An invalid file: each problem logged and recorded as a {@code config_error} event, then the
     * refused reload.
     *
     * @param events the engine's event log, or null before the start
     */
    static ReloadResult invalid(Path file, ConfigException e, EventLog events, String node) {
        List<String> errors = e.problems().stream().map(ConfigProblem::toString).toList();
        errors.forEach(log::error);
        if (events != null) {
            errors.forEach(error -> events.record(EventType.CONFIG_ERROR, node, error));
            events.record(EventType.RELOAD, node, "refused: " + file + " has " + errors.size() + " problem(s)");
        }
        log.error("reload refused: {} has {} problem(s); the running configuration is unchanged", file, errors.size());
        return new ReloadResult(errors);
    }

    /** A reload refused for {@code reason} (unreadable file, unbindable address, not running). */
    static ReloadResult refused(String reason, EventLog events, String node) {
        log.error("reload refused: {}; the running configuration is unchanged", reason);
        if (events != null) {
            events.record(EventType.RELOAD, node, "refused: " + reason);
        }
        return new ReloadResult(List.of(reason));
    }

    /**
     * Warns about the settings outside the cluster section that a reload does not apply, which wait
     * for a restart: the admin server's address (when it runs) and the state file. Returns them,
     * each with why, for the reload's result. (The cluster section's own are the cluster node's to
     * tell: {@code ClusterNode.apply}.)
     */
    static List<String> restartOnly(Path file, TandemConfig running, TandemConfig next, boolean adminRunning) {
        List<String> keys = new ArrayList<>();
        if (adminRunning && !next.admin().listen().equals(running.admin().listen())) {
            log.warn(
                    "admin.listen is now {} in {}, but the admin server stays on {} until tandem restarts",
                    next.admin().listen(),
                    file,
                    running.admin().listen());
            keys.add(
                    "admin.listen (the admin server stays on " + running.admin().listen() + ")");
        }
        if (!Objects.equals(next.stateFile(), running.stateFile())) {
            log.warn(
                    "state_file changed in {}: the state stays in {} until tandem restarts", file, running.stateFile());
            keys.add("state_file (the state stays in " + running.stateFile() + ")");
        }
        return keys;
    }

    /**
     * An applied reload: logged with what now runs, and recorded as a {@code reload} event, which
     * names the settings that wait for a restart.
     */
    static void applied(Path file, TandemConfig next, LoadBalancer lb, List<String> restart) {
        log.info("reloaded {}: {}", file, Summary.of(next.loadBalancer(), lb));
        if (!restart.isEmpty()) {
            log.warn("reloaded {}, but these settings wait for a restart: {}", file, String.join("; ", restart));
        }
        LoadBalancerConfig applied = next.loadBalancer();
        lb.events()
                .record(
                        EventType.RELOAD,
                        next.node(),
                        "applied " + file + ": " + applied.frontends().size() + " frontend(s), "
                                + applied.backends().size() + " backend(s), "
                                + applied.backends().stream()
                                        .mapToInt(b -> b.servers().size())
                                        .sum()
                                + " server(s)"
                                + (restart.isEmpty() ? "" : "; waits for a restart: " + String.join("; ", restart)));
    }
}
