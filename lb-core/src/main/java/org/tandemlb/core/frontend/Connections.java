package org.tandemlb.core.frontend;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import org.tandemlb.core.proxy.Drain;

/**
 * One frontend's client connections: counted in as the kernel gives them and out as they close,
 * against the frontend's {@code max_connections} and the process-wide {@link ConnectionLimit}
 * (at either the {@link AcceptGate} stops reading the listening sockets), and the ones still open
 * when the frontend stops, asked to finish ({@link #drain}) or closed.
 */
final class Connections {
    private final ChannelGroup open = new DefaultChannelGroup(ImmediateEventExecutor.INSTANCE);
    private final AtomicInteger current = new AtomicInteger();
    private final AtomicLong total = new AtomicLong();
    private final IntSupplier max;
    private final ConnectionLimit processLimit;
    private final AcceptGate gate;
    /** Counts a connection out when it closes; one listener for all of them. */
    private final ChannelFutureListener closed = f -> closed();

    /**
     * @param max          the frontend's {@code max_connections} in force (0: none)
     * @param processLimit the bound on the connections of all frontends together
     * @param setReading   starts or stops reading the frontend's listening sockets
     */
    Connections(IntSupplier max, ConnectionLimit processLimit, Consumer<Boolean> setReading) {
        this.max = max;
        this.processLimit = processLimit;
        this.gate = new AcceptGate(this::hasRoom, setReading);
    }

    int current() {
        return current.get();
    }

    long total() {
        return total.get();
    }

    boolean accepting() {
        return gate.accepting();
    }

    /**
     * Counts a connection in, on its listening socket's event loop, as soon as the kernel gave it
     * (before its own event loop sets it up), and stops accepting when that fills a limit.
     */
    void accepted(Channel ch) {
        total.incrementAndGet();
        current.incrementAndGet();
        processLimit.opened();
        ch.closeFuture().addListener(closed);
        open.add(ch);
        if (max.getAsInt() > 0) {
            update();
        }
    }

    private void closed() {
        current.decrementAndGet();
        processLimit.closed();
        if (max.getAsInt() > 0 || !gate.accepting()) {
            update();
        }
    }

    private boolean hasRoom() {
        int m = max.getAsInt();
        return (m == 0 || current.get() < m) && processLimit.hasRoom();
    }

    /** Accepts or stops accepting as the limits say now (see {@link AcceptGate}). */
    void update() {
        gate.update();
    }

    /** Sets the reading of the listening sockets again (one was just taken over), then updates. */
    void refresh() {
        gate.refresh();
    }

    /**
     * Asks every open connection to finish: idle HTTP connections close at once, busy ones after
     * their current response.
     */
    void drain() {
        for (Channel ch : open) {
            ch.pipeline().fireUserEventTriggered(Drain.EVENT);
        }
    }

    /** Closes every open connection at once. */
    void closeAll() {
        open.close();
    }
}
