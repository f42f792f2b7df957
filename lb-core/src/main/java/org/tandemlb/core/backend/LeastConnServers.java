package org.tandemlb.core.backend;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.tandemlb.core.backend.balance.LeastConnQueue;

/**
 * A {@code leastconn} backend's servers in {@code leastconn} order, so that choosing one does not
 * scan them all: the servers that may take a new connection now (usable, below their
 * {@code max_connections}) are kept in a {@link LeastConnQueue}, one for the primaries and one
 * for the backups, and the backend tells this class whenever something a server's place depends
 * on changes: a slot taken or released, health, admin state, weight. A pick is then the head of a
 * queue, and a change costs O(1) in the usual case, O(log n) at most.
 *
 * <p>Slow start changes effective weights with time, without an event: a ramping server is
 * re-keyed when its weight steps ({@link Server#nextWeightStep}). A pick reads the ticker only
 * while some server ramps, looks through the ramping servers only when the earliest step is due
 * (servers that came back together step together), and re-keys only those that stepped.
 *
 * <p>Not thread-safe: every method is called under the backend's lock.
 */
final class LeastConnServers {

    /** What is kept of one server. */
    private static final class Slot {
        final Server server;
        final LeastConnQueue.Entry<Server> entry;
        /** Whether the server was usable at its last refresh (counted in {@link #usablePrimaries}). */
        boolean usable;
        /** Whether the slot is in {@link #ramping}. */
        boolean ramping;
        /** When its effective weight steps next (ticker time), or {@link Long#MAX_VALUE}. */
        long nextStep = Long.MAX_VALUE;

        Slot(Server server) {
            this.server = server;
            this.entry = new LeastConnQueue.Entry<>(server);
        }
    }

    private final LongSupplier ticker;
    private final Map<Server, Slot> slots = new IdentityHashMap<>();
    private final LeastConnQueue<Server> primaries = new LeastConnQueue<>();
    private final LeastConnQueue<Server> backups = new LeastConnQueue<>();
    /** Usable non-backup servers, full or not: while there is one, backups take nothing. */
    private int usablePrimaries;

    /** The servers in slow start, and the earliest of their next weight steps. */
    private final List<Slot> ramping = new ArrayList<>();

    private long nextStep = Long.MAX_VALUE;

    /** The order of {@code servers}, whose slow starts are timed with {@code ticker}. */
    LeastConnServers(List<Server> servers, LongSupplier ticker) {
        this.ticker = ticker;
        long now = ticker.getAsLong();
        for (Server s : servers) {
            Slot slot = new Slot(s);
            slots.put(s, slot);
            refresh(slot, now);
        }
    }

    /**
     * Takes note of a change of {@code server}'s load, health, admin state or weight; nothing for
     * a server that is not the backend's any more (a reload dropped it).
     */
    void refresh(Server server) {
        Slot slot = slots.get(server);
        if (slot != null) {
            // The ticker matters only during a ramp, and reading it costs more than the rest.
            refresh(slot, server.ramping() ? ticker.getAsLong() : Server.NOT_READ);
        }
    }

    /**
     * The least-loaded server that may take a new connection now, not in {@code exclude}, from the
     * primaries or, while none of them is usable, the backups (as the backend's candidates); null
     * when there is none. The caller takes a slot and {@linkplain #refresh refreshes} it, which
     * moves it behind the servers it ties with.
     */
    Server first(Set<Server> exclude) {
        stepRamps();
        LeastConnQueue<Server> queue = usablePrimaries > 0 ? primaries : backups;
        return exclude.isEmpty() ? queue.first() : queue.first(exclude);
    }

    private void refresh(Slot slot, long now) {
        Server s = slot.server;
        int weight = s.weightAt(now);
        boolean usable = s.usable() && weight > 0;
        if (usable != slot.usable && !s.backup()) {
            usablePrimaries += usable ? 1 : -1;
        }
        slot.usable = usable;
        LeastConnQueue<Server> queue = s.backup() ? backups : primaries;
        if (usable && !s.full()) {
            queue.update(slot.entry, s.activeConnections(), weight);
        } else {
            queue.remove(slot.entry);
        }
        slot.nextStep = usable ? s.nextWeightStep(now) : Long.MAX_VALUE;
        if (slot.nextStep != Long.MAX_VALUE) {
            nextStep = Math.min(nextStep, slot.nextStep);
            if (!slot.ramping) {
                slot.ramping = true;
                ramping.add(slot);
            }
        }
    }

    /** Re-keys the ramping servers whose weight has stepped since the last pick. */
    private void stepRamps() {
        if (ramping.isEmpty()) {
            return;
        }
        long now = ticker.getAsLong();
        if (now < nextStep) {
            return;
        }
        nextStep = Long.MAX_VALUE;
        for (int i = ramping.size() - 1; i >= 0; i--) {
            Slot slot = ramping.get(i);
            if (now >= slot.nextStep) {
                refresh(slot, now);
            }
            if (slot.nextStep == Long.MAX_VALUE) {
                // Done ramping (or no longer usable): swap the last one into its place.
                slot.ramping = false;
                Slot last = ramping.remove(ramping.size() - 1);
                if (last != slot) {
                    ramping.set(i, last);
                }
            } else {
                nextStep = Math.min(nextStep, slot.nextStep);
            }
        }
    }
}
