package org.tandemlb.cluster;

import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jgroups.Address;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node receives, on JGroups' threads, which only decode and hand over: views and adverts go
 * to the actor ({@link Membership}), runtime changes of servers to {@link ServerChanges} on the
 * actor. Traffic under another key (a node with another secret or cluster name) is noted, so that
 * a node that may have the wrong secret does not claim, and said at most once a minute.
 */
final class Inbox {
    // Under Membership's name, as before this class was split out of it: the lines operators see
    // and filter on stay the same.
    private static final Logger log = LoggerFactory.getLogger(Membership.class);
    /** How long traffic under another key keeps a node that never heard a member from claiming. */
    private static final long FOREIGN_KEY_WINDOW = TimeUnit.SECONDS.toNanos(10);

    private final ScheduledExecutorService actor;
    private final LongSupplier ticker;
    private final Consumer<View> onView;
    private final BiConsumer<Address, Messages.Advert> onAdvert;
    private final ServerChanges changes;
    private final AtomicLong foreignKeyAt = new AtomicLong(Long.MIN_VALUE);
    /** Confined to the actor thread. */
    private long lastForeignLog = Long.MIN_VALUE;

    /** {@code onView} and {@code onAdvert} run on {@code actor}. */
    Inbox(
            ScheduledExecutorService actor,
            LongSupplier ticker,
            Consumer<View> onView,
            BiConsumer<Address, Messages.Advert> onAdvert,
            ServerChanges changes) {
        this.actor = actor;
        this.ticker = ticker;
        this.onView = onView;
        this.onAdvert = onAdvert;
        this.changes = changes;
    }

    /** What the channel delivers: messages and views, handed to the actor. */
    Receiver receiver() {
        return new Receiver() {
            @Override
            public void receive(Message msg) {
                onMessage(msg);
            }

            @Override
            public void viewAccepted(View v) {
                actor.execute(() -> onView.accept(v));
            }
        };
    }

    private void onMessage(Message msg) {
        Object decoded;
        try {
            decoded = Messages.decode(msg.getArray(), msg.getOffset(), msg.getLength());
        } catch (IOException | RuntimeException e) {
            log.warn("ignored a cluster message from {}: {}", msg.getSrc(), ClusterNode.describe(e));
            return;
        }
        Address src = msg.getSrc();
        try {
            actor.execute(() -> {
                if (decoded instanceof Messages.Advert a) {
                    onAdvert.accept(src, a);
                } else if (decoded instanceof Messages.Changes c) {
                    changes.merge(c.changes());
                }
            });
        } catch (RejectedExecutionException e) {
            // stopping
        }
    }

    /** Told by the stack of traffic under another key, on a JGroups thread. */
    void onForeignKey(Address src) {
        long now = ticker.getAsLong();
        foreignKeyAt.set(now);
        try {
            actor.execute(() -> {
                if (lastForeignLog == Long.MIN_VALUE || now - lastForeignLog > TimeUnit.MINUTES.toNanos(1)) {
                    lastForeignLog = now;
                    log.warn(
                            "cluster traffic from {} is encrypted with another key: a node with another cluster "
                                    + "secret or cluster name; it is ignored",
                            src);
                }
            });
        } catch (RejectedExecutionException e) {
            // stopping
        }
    }

    /** Whether traffic under another key arrived within the last ten seconds. */
    boolean foreignKeyRecent(long now) {
        long foreign = foreignKeyAt.get();
        return foreign != Long.MIN_VALUE && now - foreign < FOREIGN_KEY_WINDOW;
    }
}
