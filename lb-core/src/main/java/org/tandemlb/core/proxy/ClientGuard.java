package org.tandemlb.core.proxy;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.tandemlb.core.proxyprotocol.ClientAddresses;

/**
 * What a frontend keeps to refuse abusive clients: the count of its refusals by
 * {@link Refusal reason} ({@code tandem_frontend_requests_refused_total}) and its
 * {@link ClientTable}. One per frontend, for its whole life (a reload keeps it); each accepted
 * connection carries it ({@link #attach}), so that the pipelines of both modes find it.
 */
public final class ClientGuard {
    private static final AttributeKey<ClientGuard> KEY = AttributeKey.valueOf(ClientGuard.class, "guard");
    private static final AttributeKey<Boolean> OVER_LIMIT = AttributeKey.valueOf(ClientGuard.class, "overLimit");

    private final LongAdder[] refused = new LongAdder[Refusal.values().length];
    private final ClientTable clients;

    /** A guard reading the time from {@code ticker} (nanoseconds). */
    public ClientGuard(LongSupplier ticker) {
        for (int i = 0; i < refused.length; i++) {
            refused[i] = new LongAdder();
        }
        clients = new ClientTable(ticker);
    }

    /** Makes {@code ch} carry this guard. */
    public void attach(Channel ch) {
        ch.attr(KEY).set(this);
    }

    /**
     * The guard {@code ch} carries; a channel set up without a frontend (a bare pipeline in a
     * test) gets one of its own, which counts for nobody.
     */
    public static ClientGuard of(Channel ch) {
        ClientGuard g = ch.attr(KEY).get();
        if (g == null) {
            g = new ClientGuard(System::nanoTime);
            ch.attr(KEY).set(g);
        }
        return g;
    }

    /**
     * Marks {@code ch} as past {@code limits.per_client.connections}: its requests get 429 (the
     * http pipelines look with {@link #overLimit}).
     */
    public static void markOverLimit(Channel ch) {
        ch.attr(OVER_LIMIT).set(Boolean.TRUE);
    }

    /** Whether {@code ch} was {@link #markOverLimit marked} past its address's connection limit. */
    public static boolean overLimit(Channel ch) {
        return ch.hasAttr(OVER_LIMIT);
    }

    /** Counts a refusal. Every place that refuses a client calls it once per refusal. */
    public void refused(Refusal reason) {
        refused[reason.ordinal()].increment();
    }

    /** Refusals counted for {@code reason} since start. */
    public long refusedTotal(Refusal reason) {
        return refused[reason.ordinal()].sum();
    }

    /** The table of client addresses. */
    public ClientTable clients() {
        return clients;
    }

    /**
     * Whether a request of {@code client} (null: not an IP connection, not limited) is within
     * {@code perSecond} (0: no limit); the caller counts the refusal of one that is not.
     */
    public boolean request(InetAddress client, int perSecond) {
        return perSecond <= 0 || client == null || clients.request(client, perSecond);
    }

    /**
     * Whether a new request on {@code ch} (an HTTP/1.1 connection, or the parent connection of
     * an HTTP/2 stream) is within the per-client limits: not past its address's connection
     * limit, and within {@code perSecond} requests a second (0: no limit).
     */
    public static boolean admits(Channel ch, int perSecond) {
        if (overLimit(ch)) {
            return false;
        }
        InetSocketAddress source = ClientAddresses.source(ch);
        return of(ch).request(source == null ? null : source.getAddress(), perSecond);
    }
}
