package org.tandemlb.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster's runtime settings of servers: the latest {@link ServerChange} per backend, server
 * and field (last writer wins by Lamport clock, then node name, so every member converges to the
 * same values whatever order messages arrive in). Thread-safe.
 */
public final class ReplicatedState {
    private final Map<String, ServerChange> latest = new HashMap<>();
    private long clock;

    /** A new local change, stamped after everything seen so far; it is recorded. */
    public synchronized ServerChange local(
            String backend, String server, ServerChange.Field field, int value, String origin) {
        clock++;
        ServerChange c = new ServerChange(backend, server, field, value, clock, origin);
        latest.put(c.key(), c);
        return c;
    }

    /** Records {@code c} if it is newer than what is known; returns whether it was. */
    public synchronized boolean merge(ServerChange c) {
        clock = Math.max(clock, c.clock());
        ServerChange known = latest.get(c.key());
        if (known != null && ServerChange.ORDER.compare(known, c) >= 0) {
            return false;
        }
        latest.put(c.key(), c);
        return true;
    }

    /** Every setting, for a joining member or a reload. */
    public synchronized List<ServerChange> all() {
        return new ArrayList<>(latest.values());
    }

    /** The setting of {@code backend/server} {@code field}, or null. */
    public synchronized ServerChange get(String backend, String server, ServerChange.Field field) {
        return latest.get(backend + "/" + server + "#" + field);
    }
}
