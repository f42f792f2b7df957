package org.tandemlb.core.frontend;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.HostPort;
import org.tandemlb.core.transport.Transport;

/**
 * One frontend's listening sockets, and their hand-over at a reload: a frontend that replaces
 * another on the same address takes its socket over instead of binding a second one, so the port
 * never closes and no connection waiting in its accept queue is lost. A socket taken over goes on
 * serving its old frontend (its {@link Listener#owner}) until the new one {@link #takeOver takes
 * it over}; until then the new one is only its {@link Listener#heir}.
 */
final class Listeners {
    // The lines are the frontend's: the daemon's log shows the logger's name.
    private static final Logger log = LoggerFactory.getLogger(Frontend.class);

    private final Frontend frontend;
    /** Guarded by itself: event loops read it to pause or resume accepting. */
    private final List<Listener> all = new ArrayList<>();

    Listeners(Frontend frontend) {
        this.frontend = frontend;
    }

    /** The addresses actually bound (with the port the system chose for port 0). */
    List<InetSocketAddress> boundAddresses() {
        List<InetSocketAddress> out = new ArrayList<>();
        synchronized (all) {
            for (Listener l : all) {
                if (l.channel.localAddress() instanceof InetSocketAddress isa) {
                    out.add(isa);
                }
            }
        }
        return out;
    }

    /**
     * Listens on every bind address of {@code config}, taking over the sockets of
     * {@code previous} on the same addresses. On a failure it throws and leaves what it bound or
     * was promised here: the frontend's {@link Frontend#close} closes and gives them back.
     *
     * @throws ListenException naming the frontend and the address that failed
     */
    void bind(
            FrontendConfig config,
            Transport transport,
            EventLoopGroup acceptors,
            EventLoopGroup workers,
            Collection<Frontend> previous) {
        for (HostPort hp : config.binds()) {
            InetSocketAddress addr = new InetSocketAddress(hp.host(), hp.port());
            if (addr.isUnresolved()) {
                throw new ListenException("frontend " + config.name() + ": cannot resolve bind address " + hp, null);
            }
            Listener taken = handedOver(previous, hp, addr);
            if (taken != null) {
                synchronized (all) {
                    all.add(taken);
                }
                continue;
            }
            Listener l = new Listener(hp, frontend);
            // An IPv4 address gets an IPv4 socket (Transport.serverChannelFactory says why).
            ChannelFuture f = l.bootstrap(acceptors, workers)
                    .channelFactory(transport.serverChannelFactory(addr.getAddress()))
                    .bind(addr)
                    .awaitUninterruptibly();
            if (!f.isSuccess()) {
                throw new ListenException(
                        "frontend " + config.name() + ": cannot listen on " + hp + ": "
                                + f.cause().getMessage(),
                        f.cause());
            }
            l.channel = f.channel();
            synchronized (all) {
                all.add(l);
            }
            log.info(
                    "frontend {} ({}) listening on {}",
                    config.name(),
                    config.mode().configName(),
                    f.channel().localAddress());
        }
    }

    /**
     * A socket of {@code previous} listening on {@code hp}, now promised to this frontend; null
     * when there is none.
     */
    private Listener handedOver(Collection<Frontend> previous, HostPort hp, InetSocketAddress addr) {
        for (Frontend f : previous) {
            Listener l = f.listeners().promise(hp, addr, frontend);
            if (l != null) {
                return l;
            }
        }
        return null;
    }

    /**
     * A socket of this frontend listening on {@code hp}: bound as the same bind, or, for a fixed
     * port, bound to the same address (e.g. {@code 127.0.0.1:46515} for a socket bound as
     * {@code 127.0.0.1:0}), and not yet promised to another frontend. It is promised to
     * {@code heir}; null when there is none.
     */
    private Listener promise(HostPort hp, InetSocketAddress addr, Frontend heir) {
        synchronized (all) {
            for (Listener l : all) {
                boolean same = l.bind.equals(hp) || (hp.port() != 0 && addr.equals(l.channel.localAddress()));
                if (same && l.owner == frontend && l.heir == null) {
                    l.heir = heir;
                    return l;
                }
            }
        }
        return null;
    }

    /** Makes the sockets promised to this frontend accept for it. */
    void takeOver() {
        synchronized (all) {
            for (Listener l : all) {
                if (l.heir == frontend) {
                    Frontend was = l.owner;
                    l.owner = frontend;
                    l.heir = null;
                    log.info(
                            "frontend {} ({}) listening on {}, taken over from frontend {}",
                            frontend.name(),
                            frontend.config().mode().configName(),
                            l.channel.localAddress(),
                            was.name());
                }
            }
        }
    }

    /** Starts or stops reading the sockets that accept for this frontend. */
    void setReading(boolean on) {
        synchronized (all) {
            for (Listener l : all) {
                if (l.owner == frontend && l.channel.config().isAutoRead() != on) {
                    l.channel.config().setAutoRead(on);
                }
            }
        }
    }

    /**
     * Closes the sockets this frontend owns; those handed over to another frontend are its own
     * now and stay open, those only promised to this one are given back.
     */
    void close() {
        List<Channel> owned = new ArrayList<>();
        synchronized (all) {
            for (Listener l : all) {
                if (l.owner == frontend) {
                    owned.add(l.channel);
                } else if (l.heir == frontend) {
                    l.heir = null;
                }
            }
            all.clear();
        }
        // Waited for outside the lock: an event loop takes it to pause or resume accepting.
        for (Channel ch : owned) {
            ch.close().awaitUninterruptibly();
        }
    }
}
