package org.tandemlb.admin.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.core.testsupport.TestBackends;

/**
 * systemd's notify protocol as a {@code Type=notify} unit sees it, without systemd: the test
 * binds the unix datagram socket that {@code NOTIFY_SOCKET} names and reads what the daemon sends.
 */
class SystemdNotifyTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final TestBackends backends = new TestBackends();

    private EventLoopGroup group;
    private Channel socket;
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private Daemon daemon;

    @BeforeEach
    void startGroup() {
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    }

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.stop();
        }
        if (socket != null) {
            socket.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Binds the notify socket at {@code address} and collects the datagrams. */
    private void listen(String address) {
        socket = new EpollDomainDatagramChannel();
        socket.pipeline().addLast(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket p) {
                received.add(p.content().toString(StandardCharsets.UTF_8));
            }
        });
        group.register(socket).syncUninterruptibly();
        socket.bind(new DomainSocketAddress(address)).syncUninterruptibly();
    }

    private Path config() throws Exception {
        return Files.writeString(
                dir.resolve("tandem.yaml"), """
                admin: { listen: 127.0.0.1:0 }
                frontends:
                  - name: www
                    bind: 127.0.0.1:0
                    default_backend: web
                backends:
                  - name: web
                    servers: [{ name: a, address: %s }]
                """.formatted(backends.start("a").hostPort()));
    }

    private void start(Map<String, String> env) throws Exception {
        Path file = config();
        daemon = new Daemon(env, 1, Daemon.Admin.REQUIRED);
        daemon.start(ConfigLoader.load(file, Map.of()), file);
    }

    /** The next datagram that is not a watchdog ping, within 10 seconds. */
    private String next() throws InterruptedException {
        while (true) {
            String m = received.poll(10, TimeUnit.SECONDS);
            assertNotNull(m, "no notification within 10s");
            if (!m.equals("WATCHDOG=1")) {
                return m;
            }
        }
    }

    @Test
    void readyReloadingAndStoppingInOrder() throws Exception {
        Path path = dir.resolve("notify.sock");
        listen(path.toString());

        start(Map.of("NOTIFY_SOCKET", path.toString()));

        assertEquals("READY=1", next());
        assertTrue(daemon.loadBalancer().frontend("www").boundAddresses().size() == 1, "READY=1 after the bind");

        long before = System.nanoTime() / 1000;
        assertTrue(daemon.requestReload().get(30, TimeUnit.SECONDS).applied());
        String reloading = next();
        assertTrue(reloading.startsWith("RELOADING=1\nMONOTONIC_USEC="), reloading);
        long usec = Long.parseLong(reloading.substring(reloading.indexOf('=', 12) + 1));
        assertTrue(usec >= before && usec <= System.nanoTime() / 1000, "CLOCK_MONOTONIC in microseconds: " + usec);
        assertEquals("READY=1", next());

        // A refused reload too ends with READY=1: the daemon serves on with its configuration.
        Files.writeString(dir.resolve("tandem.yaml"), "frontends: 3\n");
        assertTrue(!daemon.requestReload().get(30, TimeUnit.SECONDS).applied());
        assertTrue(next().startsWith("RELOADING=1\n"));
        assertEquals("READY=1", next());

        daemon.stop();
        daemon = null;
        assertEquals("STOPPING=1", next());
        assertNull(received.poll(300, TimeUnit.MILLISECONDS), "nothing after STOPPING=1: " + received);
    }

    @Test
    void anAbstractSocketIsWrittenWithAnAt() throws Exception {
        String name = "tandem-test-" + UUID.randomUUID();
        listen("\0" + name);

        start(Map.of("NOTIFY_SOCKET", "@" + name));

        assertEquals("READY=1", next());
    }

    @Test
    void theWatchdogPingsWhileTheEventLoopsAnswerAndStopsWhenOneIsStuck() throws Exception {
        Path path = dir.resolve("notify.sock");
        listen(path.toString());
        Map<String, String> env = new HashMap<>();
        env.put("NOTIFY_SOCKET", path.toString());
        env.put("WATCHDOG_USEC", "200000"); // a ping every 100 ms
        env.put("WATCHDOG_PID", Long.toString(ProcessHandle.current().pid()));
        start(env);
        assertEquals("READY=1", received.poll(10, TimeUnit.SECONDS));
        for (int i = 0; i < 3; i++) {
            assertEquals("WATCHDOG=1", received.poll(10, TimeUnit.SECONDS));
        }

        // The proxy's only event loop is blocked: its no-op cannot run, so no ping goes out.
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blocked = new CountDownLatch(1);
        daemon.loadBalancer().workers().next().execute(() -> {
            blocked.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(blocked.await(10, TimeUnit.SECONDS));
        received.poll(300, TimeUnit.MILLISECONDS); // a ping of a probe that ran before the loop was blocked
        received.clear();
        try {
            assertNull(received.poll(1, TimeUnit.SECONDS), "no ping while an event loop is stuck");
        } finally {
            release.countDown();
        }
        assertEquals("WATCHDOG=1", received.poll(10, TimeUnit.SECONDS), "the pings resume");
    }

    @Test
    void aWatchdogForAnotherProcessIsNotOurs() throws Exception {
        Path path = dir.resolve("notify.sock");
        listen(path.toString());

        start(Map.of(
                "NOTIFY_SOCKET", path.toString(),
                "WATCHDOG_USEC", "200000",
                "WATCHDOG_PID", Long.toString(ProcessHandle.current().pid() + 1)));

        assertEquals("READY=1", received.poll(10, TimeUnit.SECONDS));
        assertNull(received.poll(600, TimeUnit.MILLISECONDS), "no ping for another process's watchdog");
    }
}
