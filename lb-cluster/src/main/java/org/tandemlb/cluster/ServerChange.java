package org.tandemlb.cluster;

import java.util.Comparator;
import java.util.Objects;

/**
 * One replicated runtime setting of a server: its admin state or its weight, stamped with a
 * Lamport clock and the node that made it. Every member keeps the latest of each and applies it,
 * so a change made on any node holds on all of them, survives a failover and reaches a node that
 * joins later.
 *
 * @param backend the backend's name
 * @param server  the server's name
 * @param field   which setting
 * @param value   the admin state's ordinal ({@link org.tandemlb.core.backend.AdminState}) or the weight
 * @param clock   the Lamport time of the change
 * @param origin  the node that made it (breaks ties between equal clocks)
 */
public record ServerChange(String backend, String server, Field field, int value, long clock, String origin) {

    /** The setting a change is about. */
    public enum Field {
        STATE,
        WEIGHT
    }

    /** Later changes are greater: by clock, then by origin. */
    public static final Comparator<ServerChange> ORDER =
            Comparator.comparingLong(ServerChange::clock).thenComparing(ServerChange::origin);

    public ServerChange {
        Objects.requireNonNull(backend);
        Objects.requireNonNull(server);
        Objects.requireNonNull(field);
        Objects.requireNonNull(origin);
    }

    /** The key of the setting: backend, server and field. */
    public String key() {
        return backend + "/" + server + "#" + field;
    }
}
