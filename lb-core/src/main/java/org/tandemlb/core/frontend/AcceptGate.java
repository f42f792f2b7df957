package org.tandemlb.core.frontend;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Whether a frontend accepts connections: its listening sockets are read while there is room
 * under its limits, and not read (the kernel's backlog then holds new clients) while there is
 * none. Checked after accepts and closes from any event loop; the switch itself is made under a
 * lock, and a check that finds nothing to change takes none.
 */
final class AcceptGate {
    private final Object lock = new Object();
    private final BooleanSupplier hasRoom;
    private final Consumer<Boolean> setReading;
    /** Whether the listening sockets are read; written under {@link #lock}. */
    private volatile boolean accepting = true;

    /**
     * @param hasRoom    whether the limits leave room for one more connection now
     * @param setReading turns the reading of the listening sockets on or off
     */
    AcceptGate(BooleanSupplier hasRoom, Consumer<Boolean> setReading) {
        this.hasRoom = hasRoom;
        this.setReading = setReading;
    }

    boolean accepting() {
        return accepting;
    }

    /** Accepts or stops accepting as the limits say now. */
    void update() {
        if (accepting && hasRoom.getAsBoolean()) {
            return;
        }
        synchronized (lock) {
            boolean room = hasRoom.getAsBoolean();
            if (!room) {
                // Written before looking again: a close that read `accepting` as still true
                // counted itself out before this look, so it is seen here.
                accepting = false;
                room = hasRoom.getAsBoolean();
            }
            accepting = room;
            setReading.accept(room);
        }
    }

    /** Sets the reading of every listening socket again (one was just taken over), then updates. */
    void refresh() {
        synchronized (lock) {
            setReading.accept(accepting);
        }
        update();
    }
}
