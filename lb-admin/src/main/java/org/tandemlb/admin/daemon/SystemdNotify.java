package org.tandemlb.admin.daemon;

import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * systemd's notify protocol ({@code sd_notify(3)}, for {@code Type=notify} units): datagrams of
 * {@code KEY=VALUE} lines sent to the unix socket that {@code NOTIFY_SOCKET} names (a path, or an
 * abstract socket when it starts with {@code @}). {@code READY=1} once the daemon serves,
 * {@code RELOADING=1} with {@code MONOTONIC_USEC} then {@code READY=1} around a reload,
 * {@code STOPPING=1} when it stops, and {@code WATCHDOG=1} every half {@code WATCHDOG_USEC} while
 * every event loop of the proxy answers.
 *
 * <p>The JDK cannot send unix datagrams (its {@code UnixDomainSocketAddress} is for stream
 * sockets only), so the datagrams go through Netty's epoll transport
 * ({@link EpollDomainDatagramChannel}) on a thread of its own. Without the epoll native library
 * (not Linux, or an unsupported CPU) nothing can be sent: a warning says so, and systemd's
 * start timeout will fail a {@code Type=notify} unit (use {@code Type=simple} there). Without
 * {@code NOTIFY_SOCKET} (not under systemd) every method does nothing.
 *
 * <p>The watchdog proves that the event loops run: at each period it schedules a no-op on every
 * loop and sends {@code WATCHDOG=1} when the last of them has run; a loop that is stuck (a
 * blocked thread, a busy loop) never runs its no-op, no ping goes out, and systemd restarts the
 * daemon after {@code WatchdogSec}.
 */
final class SystemdNotify implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SystemdNotify.class);

    /** Does nothing: not under systemd. */
    static final SystemdNotify NONE = new SystemdNotify();

    private final EventLoopGroup group;
    private final EpollDomainDatagramChannel channel;
    private final DomainSocketAddress socket;
    private final long watchdogMicros;
    private final LongSupplier monotonicNanos;
    private ScheduledFuture<?> watchdog; // on the notify loop
    private boolean stuck; // on the notify loop: a probe went unanswered, said once
    /** No-ops of the probe in progress that have not run yet; 0 when none is in progress. */
    private final AtomicInteger unanswered = new AtomicInteger();

    private SystemdNotify() {
        this.group = null;
        this.channel = null;
        this.socket = null;
        this.watchdogMicros = 0;
        this.monotonicNanos = System::nanoTime;
    }

    private SystemdNotify(DomainSocketAddress socket, long watchdogMicros, LongSupplier monotonicNanos) {
        this.socket = socket;
        this.watchdogMicros = watchdogMicros;
        this.monotonicNanos = monotonicNanos;
        this.group = new MultiThreadIoEventLoopGroup(
                1, new DefaultThreadFactory("tandem-systemd", true), EpollIoHandler.newFactory());
        this.channel = new EpollDomainDatagramChannel();
        group.register(channel).syncUninterruptibly();
        // Netty writes only on a bound (active) channel. An abstract name of its own, not a
        // connect: each datagram goes to the path as it is now, as sd_notify sends them, even
        // after systemd made its socket again (daemon-reexec).
        channel.bind(new DomainSocketAddress(
                        "\0tandem-notify-" + ProcessHandle.current().pid() + "-"
                                + Long.toHexString(ThreadLocalRandom.current().nextLong())))
                .syncUninterruptibly();
    }

    /**
     * The notifier that {@code env} asks for: {@code NOTIFY_SOCKET} and {@code WATCHDOG_USEC}
     * (with {@code WATCHDOG_PID}, when set, this process's); {@link #NONE} without a socket.
     *
     * @param monotonicNanos {@code CLOCK_MONOTONIC} in nanoseconds, the clock of
     *                       {@code MONOTONIC_USEC} ({@link System#nanoTime} on Linux)
     */
    static SystemdNotify fromEnv(Map<String, String> env, LongSupplier monotonicNanos) {
        String path = env.get("NOTIFY_SOCKET");
        if (path == null || path.isEmpty()) {
            return NONE;
        }
        if (!Epoll.isAvailable()) {
            log.warn(
                    "NOTIFY_SOCKET is set but tandem cannot write to it: sending unix datagrams needs Netty's epoll"
                            + " native transport, which is not available here ({}); use Type=simple in the unit",
                    Epoll.unavailabilityCause().toString());
            return NONE;
        }
        // An abstract socket is written @name; its address starts with a NUL byte instead.
        DomainSocketAddress address = new DomainSocketAddress(path.startsWith("@") ? "\0" + path.substring(1) : path);
        long watchdog = 0;
        String usec = env.get("WATCHDOG_USEC");
        String pid = env.get("WATCHDOG_PID");
        if (usec != null
                && !usec.isEmpty()
                && (pid == null
                        || pid.isEmpty()
                        || pid.equals(Long.toString(ProcessHandle.current().pid())))) {
            try {
                watchdog = Long.parseLong(usec.trim());
            } catch (NumberFormatException e) {
                log.warn("WATCHDOG_USEC={} is not a number: no watchdog pings", usec);
            }
        }
        return new SystemdNotify(address, watchdog, monotonicNanos);
    }

    /** {@code READY=1}: the frontends listen (or the node is a ready standby), or a reload is over. */
    void ready() {
        send("READY=1");
    }

    /** {@code RELOADING=1} with the time it began; {@link #ready} follows when the reload is over. */
    void reloading() {
        send("RELOADING=1\nMONOTONIC_USEC=" + monotonicNanos.getAsLong() / 1000);
    }

    /** {@code STOPPING=1}: a graceful stop began. */
    void stopping() {
        send("STOPPING=1");
    }

    /**
     * Starts the watchdog pings when systemd asked for them ({@code WATCHDOG_USEC}): every half
     * period, a no-op on every loop of {@code loops}, then {@code WATCHDOG=1}.
     */
    void startWatchdog(Supplier<EventLoopGroup> loops) {
        if (channel == null || watchdogMicros <= 0) {
            return;
        }
        long period = Math.max(1, watchdogMicros / 2);
        log.info("systemd watchdog: a ping every {} ms while the event loops answer", period / 1000);
        group.next()
                .execute(() -> watchdog =
                        group.next().scheduleAtFixedRate(() -> probe(loops.get()), 0, period, TimeUnit.MICROSECONDS));
    }

    /** Runs a no-op on every loop of {@code loops}; the last one to run sends {@code WATCHDOG=1}. */
    private void probe(EventLoopGroup loops) {
        if (loops == null) {
            return;
        }
        if (unanswered.get() > 0) {
            // A loop has not run the last probe's no-op yet: no ping, systemd acts after WatchdogSec.
            if (!stuck) {
                log.warn(
                        "{} event loop(s) did not answer within {} ms: no watchdog ping",
                        unanswered.get(),
                        watchdogMicros / 2000);
                stuck = true;
            }
            return;
        }
        stuck = false;
        List<EventExecutor> all = new ArrayList<>();
        loops.forEach(all::add);
        unanswered.set(all.size());
        for (EventExecutor loop : all) {
            try {
                loop.execute(() -> {
                    if (unanswered.decrementAndGet() == 0) {
                        send("WATCHDOG=1");
                    }
                });
            } catch (RejectedExecutionException e) {
                return; // shutting down: no more pings
            }
        }
    }

    private void send(String message) {
        if (channel == null) {
            return;
        }
        channel.writeAndFlush(new DomainDatagramPacket(Unpooled.copiedBuffer(message, StandardCharsets.UTF_8), socket))
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        log.warn(
                                "cannot notify systemd on {}: {}",
                                socket.path(),
                                f.cause().toString());
                    }
                });
    }

    /** Stops the pings and closes the socket. */
    @Override
    public void close() {
        if (channel == null) {
            return;
        }
        group.next().execute(() -> {
            if (watchdog != null) {
                watchdog.cancel(false);
            }
        });
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
