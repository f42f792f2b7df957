package org.tandemlb.core.tls;

import io.netty.channel.EventLoop;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Installs new session-ticket keys in the frontends' TLS when the clock enters a new period of
 * {@link TicketKeys}: a check each minute on one event loop (deriving the keys is a few HMACs,
 * no I/O), so nodes whose clocks agree switch within a minute of each other, and the previous
 * key still decrypts meanwhile. Contexts built later get the keys of their time when built.
 */
public final class TicketRotation implements AutoCloseable {
    private final TicketKeys keys;
    private final Supplier<? extends Collection<ServerTls>> targets;
    /** The period installed last; read and written on the rotation's event loop only. */
    private long installed;

    private final ScheduledFuture<?> task;

    /**
     * Starts checking once a minute on {@code loop}.
     *
     * @param keys    the keys to install
     * @param targets the TLS of the frontends at the time of each check
     */
    public TicketRotation(EventLoop loop, TicketKeys keys, Supplier<? extends Collection<ServerTls>> targets) {
        this.keys = keys;
        this.targets = targets;
        loop.execute(() -> installed = keys.currentPeriod());
        this.task = loop.scheduleAtFixedRate(this::check, 1, 1, TimeUnit.MINUTES);
    }

    /** Installs the keys of the current period when it is not the one installed last; whether it did. */
    boolean check() {
        long now = keys.currentPeriod();
        if (now == installed) {
            return false;
        }
        installed = now;
        OpenSslSessionTicketKey[] current = keys.keys(now);
        for (ServerTls tls : targets.get()) {
            tls.rotateTicketKeys(current);
        }
        return true;
    }

    /** Stops the checks. */
    @Override
    public void close() {
        task.cancel(false);
    }
}
