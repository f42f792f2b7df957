package org.tandemlb.core.health;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import java.util.function.Consumer;
import org.tandemlb.core.health.Check.Outcome;

/**
 * The end of one probe of a check over a connection ({@link HttpCheck}, {@link GrpcCheck}): its
 * outcome reported once, the bytes it gathered released, its channel closed. Used on the
 * probe's event loop only.
 */
final class ProbeEnd {
    private final Consumer<Outcome> done;
    private boolean finished;
    private Channel channel;
    private ByteBuf gathered;

    ProbeEnd(Consumer<Outcome> done) {
        this.done = done;
    }

    /** The probe's channel, closed when it finishes. */
    void attach(Channel ch) {
        channel = ch;
    }

    /** Whether an outcome was reported (or the probe cancelled): later reads are ignored. */
    boolean finished() {
        return finished;
    }

    /** The bytes gathered so far, or null before any. */
    ByteBuf gathered() {
        return gathered;
    }

    /** The buffer to gather the answer's bytes in, made on first use. */
    ByteBuf gathering(ByteBufAllocator alloc) {
        if (gathered == null) {
            gathered = alloc.buffer();
        }
        return gathered;
    }

    /** Reports {@code outcome} unless one was reported, and closes the channel. */
    void finish(Outcome outcome) {
        if (finished) {
            return;
        }
        finished = true;
        release();
        if (channel != null) {
            channel.close();
        }
        done.accept(outcome);
    }

    /** Ends the probe without an outcome (the check was cancelled): closes {@code ch}. */
    void cancel(Channel ch) {
        finished = true;
        release();
        ch.close();
    }

    private void release() {
        if (gathered != null) {
            gathered.release();
            gathered = null;
        }
    }
}
