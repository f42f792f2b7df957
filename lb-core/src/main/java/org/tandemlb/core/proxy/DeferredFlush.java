package org.tandemlb.core.proxy;

import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.concurrent.Executor;

/**
 * Flushes channels of one event loop once the loop has handled its current batch of I/O events,
 * rather than in the middle of it: what a read produced for its peer leaves together with what
 * the other ready connections produced, as HAProxy sends after its polling loop.
 *
 * <p>Why: a flush wakes the peer (a server, a client) at once, and on a busy machine the woken
 * process then takes the core from the event loop in the middle of its batch (an involuntary
 * context switch). Flushed at the batch's end, the peers wake as the loop is about to wait for
 * more, and each of them finds several requests or responses at once. The delay is the rest of
 * one batch: microseconds.
 *
 * <p>Used only from its event loop; not thread-safe.
 */
public final class DeferredFlush implements Runnable {
    private final Executor loop;
    private ArrayList<Channel> channels = new ArrayList<>();
    private ArrayList<Channel> flushing = new ArrayList<>();
    private boolean scheduled;

    /**
     * A deferred flush for the channels of an event loop.
     *
     * @param loop the event loop (or, in tests, any executor that runs a task after the caller's)
     */
    public DeferredFlush(Executor loop) {
        this.loop = loop;
    }

    /** Flushes {@code channel} (of this loop) once the loop's current batch of events is handled. */
    public void flush(Channel channel) {
        int n = channels.size();
        if (n == 0 || channels.get(n - 1) != channel) {
            channels.add(channel);
        }
        if (!scheduled) {
            scheduled = true;
            loop.execute(this); // from the loop itself: queued, run after the I/O events, no wake-up
        }
    }

    @Override
    public void run() {
        scheduled = false;
        // A flush may complete writes whose listeners defer more flushes: those go into a fresh
        // list and a new task, so this one ends whatever the executor does.
        ArrayList<Channel> batch = channels;
        channels = flushing;
        flushing = batch;
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).flush();
        }
        batch.clear();
    }
}
