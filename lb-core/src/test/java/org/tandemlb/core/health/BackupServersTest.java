package org.tandemlb.core.health;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.util.concurrent.ImmediateEventExecutor;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.backend.AdminState;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Refusal;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.backend.ServerGrant;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;

/** Backups take traffic only while every non-backup server is down, and then share it. */
class BackupServersTest {
    private final Backend backend = new Backend(BackendConfig.builder("be", Mode.HTTP)
            .server(ServerConfig.builder("p1", "127.0.0.1:8001").build())
            .server(ServerConfig.builder("p2", "127.0.0.1:8002").build())
            .server(ServerConfig.builder("b1", "127.0.0.1:8003").backup(true).build())
            .server(ServerConfig.builder("b2", "127.0.0.1:8004").backup(true).build())
            .build());

    /** Where 100 requests go: server name to count ("503" for refusals). */
    private Map<String, Integer> route100() {
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < 100; i++) {
            backend.acquire(new byte[0], Set.of(), ImmediateEventExecutor.INSTANCE, new ServerGrant() {
                @Override
                public void granted(Server server) {
                    counts.merge(server.name(), 1, Integer::sum);
                    server.release();
                }

                @Override
                public void refused(Refusal reason) {
                    counts.merge("503", 1, Integer::sum);
                }
            });
        }
        return counts;
    }

    @Test
    void backupsServeOnlyWhileEveryPrimaryIsDown() {
        assertEquals(Map.of("p1", 50, "p2", 50), route100());
        backend.server("p1").setUp(false);
        assertEquals(Map.of("p2", 100), route100(), "one primary left: no backup");
        backend.server("p2").setUp(false);
        assertEquals(Map.of("b1", 50, "b2", 50), route100(), "both primaries down: the backups share the load");
        backend.server("b1").setUp(false);
        assertEquals(Map.of("b2", 100), route100());
        backend.server("b2").setUp(false);
        assertEquals(Map.of("503", 100), route100());
        backend.server("b1").setUp(true);
        backend.server("b2").setUp(true);
        backend.server("p2").setUp(true);
        assertEquals(Map.of("p2", 100), route100(), "a primary is back: the backups stop");
    }

    @Test
    void aDrainedOrMaintPrimaryIsNotDownSoBackupsStayIdle() {
        backend.server("p1").setUp(false);
        backend.server("p2").setAdminState(AdminState.DRAIN);
        // HAProxy uses backups when no primary is *usable*; drain and maint make a primary unusable too.
        assertEquals(Map.of("b1", 50, "b2", 50), route100());
    }
}
