package org.tandemlb.cluster;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node sends, on its IO threads rather than its actor: a unicast to a member that is gone
 * can wait for a TCP connect. Unicast adverts to members outside the view go on a thread of their
 * own, so that such a connect does not delay the rest.
 */
final class Outbox {
    private static final Logger log = LoggerFactory.getLogger(Outbox.class);

    private final ScheduledExecutorService io;
    private final ScheduledExecutorService farIo;
    private volatile JChannel channel;

    Outbox(ScheduledExecutorService io, ScheduledExecutorService farIo) {
        this.io = io;
        this.farIo = farIo;
    }

    /** The channel to send on, once it exists. */
    void channel(JChannel ch) {
        channel = ch;
    }

    /** The channel, or null before the node starts. */
    JChannel channel() {
        return channel;
    }

    /**
     * Sends {@code data} to {@code dest}, or to every member when it is null.
     *
     * @param unreliable adverts are repeated anyway: no retransmission for them
     */
    void send(Address dest, byte[] data, boolean unreliable) {
        JChannel ch = channel;
        ScheduledExecutorService sender = dest != null && unreliable ? farIo : io;
        if (ch == null || sender.isShutdown()) {
            return;
        }
        Message m = new BytesMessage(dest, data);
        if (unreliable && dest != null) {
            m.setFlag(Message.Flag.OOB, Message.Flag.NO_RELIABILITY, Message.Flag.DONT_BUNDLE);
        } else if (unreliable) {
            m.setFlag(Message.Flag.OOB);
        }
        try {
            sender.execute(() -> {
                try {
                    if (ch.isConnected()) {
                        ch.send(m);
                    }
                } catch (Exception e) {
                    log.debug("cluster send to {} failed: {}", dest == null ? "all" : dest, ClusterNode.describe(e));
                }
            });
        } catch (RejectedExecutionException e) {
            // stopping
        }
    }
}
