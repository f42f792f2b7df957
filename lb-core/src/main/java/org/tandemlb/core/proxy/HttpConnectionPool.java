package org.tandemlb.core.proxy;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.tandemlb.core.backend.Server;

/**
 * Idle keep-alive connections to servers, kept per server and per event loop (as Zuul's
 * {@code PerServerConnectionPool}): a pooled connection is only ever taken on the loop that owns
 * it, so the pool itself needs no lock and a request and its server connection share one thread.
 *
 * <p>The most recently used connection is reused first (it is the least likely to have been
 * closed by the server's own keep-alive timeout).
 */
public final class HttpConnectionPool {
    private final Map<EventLoop, Map<Server, ArrayDeque<Channel>>> loops = new ConcurrentHashMap<>();

    /** An idle, open connection to {@code server} owned by {@code loop}, or null. Call on {@code loop}. */
    public Channel poll(EventLoop loop, Server server) {
        Map<Server, ArrayDeque<Channel>> m = loops.get(loop);
        ArrayDeque<Channel> idle = m == null ? null : m.get(server);
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
        // were removed go with closeIdle.
        return ch;
    }

    /** Puts an idle connection back. Call on {@code loop}. */
    public void offer(EventLoop loop, Server server, Channel channel) {
        loops.computeIfAbsent(loop, l -> new HashMap<>()).computeIfAbsent(server, s -> new ArrayDeque<>()).addLast(channel);
    }

    /** Forgets a connection that closed while idle. Call on {@code loop}. */
    public void remove(EventLoop loop, Server server, Channel channel) {
        Map<Server, ArrayDeque<Channel>> m = loops.get(loop);
        ArrayDeque<Channel> idle = m == null ? null : m.get(server);
        if (idle != null) {
            idle.remove(channel);
            if (idle.isEmpty()) {
                m.remove(server); // rare (a close), and no deque of a removed server stays behind
            }
        }
    }

    /** Closes every idle connection to {@code server} (a server removed by a reload). Any thread. */
    public void closeIdle(Server server) {
        loops.forEach((loop, m) -> loop.execute(() -> {
            ArrayDeque<Channel> idle = m.remove(server);
            if (idle != null) {
                idle.forEach(Channel::close);
            }
        }));
    }

    /** Idle connections held on {@code loop}, for tests and the status API. Call on {@code loop}. */
    int idleCount(EventLoop loop) {
        Map<Server, ArrayDeque<Channel>> m = loops.get(loop);
        return m == null ? 0 : m.values().stream().mapToInt(ArrayDeque::size).sum();
    }
}
