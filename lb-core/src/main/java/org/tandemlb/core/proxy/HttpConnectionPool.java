package org.tandemlb.core.proxy;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.proxyprotocol.ClientAddresses;

/**
 * Idle keep-alive connections to servers, kept per server and per event loop (as Zuul's
 * {@code PerServerConnectionPool}): a pooled connection is only ever taken on the loop that owns
 * it, so the pool itself needs no lock and a request and its server connection share one thread.
 *
 * <p>The most recently used connection is reused first (it is the least likely to have been
 * closed by the server's own keep-alive timeout).
 *
 * <p>Connections are pooled under a key ({@link #key}): the server, for connections any request
 * may reuse. A connection to a backend with {@code send_proxy} began with one client's PROXY
 * header, and the server takes every request on it as that client's: such a connection is private
 * to the client connection it was opened for (HAProxy's rule too), pooled under the server and the
 * client's addresses, so only that client's next requests reuse it. It closes after the backend's
 * keep-alive timeout when the client has nothing more to send.
 *
 * <p>HTTP/2 connections ({@code protocol: h2}) are kept apart ({@link #multiplexed}): they are
 * never idle in the HTTP/1.1 sense but shared, each request a stream of one of them, so they stay
 * listed from their first stream until they close.
 */
public final class HttpConnectionPool {
    /** Per loop, the idle connections by key: a {@link Server}, or a {@link Private}. */
    private final Map<EventLoop, Map<Object, ArrayDeque<Channel>>> loops = new ConcurrentHashMap<>();
    /** Per loop, the open HTTP/2 connections by key (a {@link Server}): shared by their streams. */
    private final Map<EventLoop, Map<Object, List<Channel>>> multiplexed = new ConcurrentHashMap<>();

    /** The key of a connection private to one client: see the class comment. */
    private record Private(Server server, ClientAddresses client) {}

    /**
     * The key of connections to {@code server}: shared by every client ({@code privateTo} null),
     * or private to the client connection of these addresses.
     */
    public static Object key(Server server, ClientAddresses privateTo) {
        return privateTo == null ? server : new Private(server, privateTo);
    }

    /** An idle, open connection of {@code key} ({@link #key}) owned by {@code loop}, or null. Call on {@code loop}. */
    public Channel poll(EventLoop loop, Object key) {
        Map<Object, ArrayDeque<Channel>> m = loops.get(loop);
        ArrayDeque<Channel> idle = m == null ? null : m.get(key);
        if (idle == null) {
            return null;
        }
        Channel ch;
        while ((ch = idle.pollLast()) != null) {
            if (ch.isActive()) {
                break;
            }
        }
        // An emptied deque stays: the connection comes back at the end of the request, and
        // dropping and re-creating the deque each time was measurable. Deques of servers that
        // were removed go with closeIdle. A private key's deque goes: its client may not come back.
        if (key instanceof Private && idle.isEmpty()) {
            m.remove(key);
        }
        return ch;
    }

    /** Puts an idle connection of {@code key} back. Call on {@code loop}. */
    public void offer(EventLoop loop, Object key, Channel channel) {
        loops.computeIfAbsent(loop, l -> new HashMap<>())
                .computeIfAbsent(key, s -> new ArrayDeque<>())
                .addLast(channel);
    }

    /** Forgets a connection of {@code key} that closed while idle. Call on {@code loop}. */
    public void remove(EventLoop loop, Object key, Channel channel) {
        Map<Object, ArrayDeque<Channel>> m = loops.get(loop);
        ArrayDeque<Channel> idle = m == null ? null : m.get(key);
        if (idle != null) {
            idle.remove(channel);
            if (idle.isEmpty()) {
                m.remove(key); // rare (a close), and no deque of a removed server or gone client stays behind
            }
        }
    }

    /**
     * The open HTTP/2 connections of {@code key} on {@code loop}, which the caller may open streams
     * on (and must not change): empty when there are none. Call on {@code loop}.
     */
    public List<Channel> multiplexed(EventLoop loop, Object key) {
        Map<Object, List<Channel>> m = multiplexed.get(loop);
        List<Channel> l = m == null ? null : m.get(key);
        return l == null ? List.of() : l;
    }

    /** Lists a new HTTP/2 connection of {@code key}. Call on {@code loop}. */
    public void addMultiplexed(EventLoop loop, Object key, Channel channel) {
        multiplexed
                .computeIfAbsent(loop, l -> new HashMap<>())
                .computeIfAbsent(key, k -> new ArrayList<>(2))
                .add(channel);
    }

    /** Forgets an HTTP/2 connection of {@code key} that closes or takes no more streams. Call on {@code loop}. */
    public void removeMultiplexed(EventLoop loop, Object key, Channel channel) {
        Map<Object, List<Channel>> m = multiplexed.get(loop);
        List<Channel> l = m == null ? null : m.get(key);
        if (l != null && l.remove(channel) && l.isEmpty()) {
            m.remove(key);
        }
    }

    /**
     * Closes every idle connection to {@code server} (a server removed by a reload), private ones
     * too, and retires its HTTP/2 connections: each gets the {@link Drain} event, takes no new
     * stream and closes once its open streams are done. Any thread.
     */
    public void closeIdle(Server server) {
        loops.forEach((loop, m) -> loop.execute(() -> m.entrySet().removeIf(e -> {
            boolean of = e.getKey() == server || e.getKey() instanceof Private p && p.server() == server;
            if (of) {
                e.getValue().forEach(Channel::close);
            }
            return of;
        })));
        multiplexed.forEach((loop, m) -> loop.execute(() -> {
            List<Channel> l = m.remove(server);
            if (l != null) {
                l.forEach(ch -> ch.pipeline().fireUserEventTriggered(Drain.EVENT));
            }
        }));
    }

    /** Idle connections held on {@code loop}, for tests and the status API. Call on {@code loop}. */
    int idleCount(EventLoop loop) {
        Map<Object, ArrayDeque<Channel>> m = loops.get(loop);
        return m == null ? 0 : m.values().stream().mapToInt(ArrayDeque::size).sum();
    }
}
