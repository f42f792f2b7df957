package org.tandemlb.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tandemlb.core.ApplyFixture.answer;
import static org.tandemlb.core.ApplyFixture.backend;
import static org.tandemlb.core.ApplyFixture.config;
import static org.tandemlb.core.ApplyFixture.frontend;
import static org.tandemlb.core.ApplyFixture.listeningInode;
import static org.tandemlb.core.ApplyFixture.loopback;
import static org.tandemlb.core.ApplyFixture.names;
import static org.tandemlb.core.ApplyFixture.ownListeningSockets;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;

/**
 * {@link LoadBalancer#apply} and the listeners, with real sockets on loopback: which are kept,
 * handed over, added and removed, and that a failed apply leaves the old ones, and only them,
 * serving. "The same socket" is checked in the kernel's table (the same inode).
 */
class LoadBalancerApplyTest {
    private final ApplyFixture fixture = new ApplyFixture();
    private TestBackend a;
    private TestBackend b;
    private List<BackendConfig> backends;

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    /** Servers a and b, in backends web and web2. */
    private void twoBackends() {
        a = fixture.server("a");
        b = fixture.server("b");
        backends = List.of(backend("web", a), backend("web2", b));
    }

    @Test
    void keptFrontendKeepsItsSocketAndTakesTheNewRoutes() throws Exception {
        twoBackends();
        LoadBalancer lb = fixture.start(config(backends, frontend("www", "web", "127.0.0.1:0")));
        int port = lb.address("www").getPort();
        long inode = listeningInode(port);
        try (RawHttp before = new RawHttp(lb.address("www"))) {
            assertEquals("a\n", before.get("/").body());

            lb.apply(config(backends, frontend("www", "web2", "127.0.0.1:0")));

            assertEquals(inode, listeningInode(port));
            assertEquals("b", answer(port), "new connections get the new routes");
            assertEquals("a\n", before.get("/").body(), "a connection opened before goes on as it started");
        }
    }

    @Test
    void renamedFrontendTakesOverTheListeningSocket() throws Exception {
        twoBackends();
        LoadBalancer lb = fixture.start(config(backends, frontend("www", "web", "127.0.0.1:0")));
        int port = lb.address("www").getPort();
        long inode = listeningInode(port);
        try (RawHttp before = new RawHttp(lb.address("www"))) {
            assertEquals("a\n", before.get("/").body());

            lb.apply(config(backends, frontend("site", "web2", "127.0.0.1:0")));

            assertEquals(List.of("site"), names(lb));
            assertEquals(port, lb.address("site").getPort());
            assertEquals(inode, listeningInode(port), "the same listening socket, never closed");
            assertEquals("b", answer(port), "new connections get the new frontend's routes");
            assertTrue(before.closedByPeer(), "an idle connection of the old frontend is closed (drained)");
        }
    }

    @Test
    void bindsMoveFromARemovedFrontendAndAChangedOne() throws Exception {
        twoBackends();
        LoadBalancer lb = fixture.start(
                config(backends, frontend("www", "web", "127.0.0.1:0"), frontend("api", "web", "127.0.0.1:0")));
        int wwwPort = lb.address("www").getPort();
        int apiPort = lb.address("api").getPort();
        Set<Long> sockets = ownListeningSockets();

        // www now listens on both ports, with explicit port numbers; api is gone.
        lb.apply(config(backends, frontend("www", "web2", "127.0.0.1:" + wwwPort, "127.0.0.1:" + apiPort)));

        assertEquals(List.of("www"), names(lb));
        assertEquals(sockets, ownListeningSockets(), "the same two sockets, no other");
        assertEquals("b", answer(wwwPort));
        assertEquals("b", answer(apiPort));
    }

    @Test
    void modeChangeOnTheSameAddressKeepsTheSocket() throws Exception {
        a = fixture.server("a");
        LoadBalancer lb = fixture.start(config(List.of(backend("web", a)), frontend("www", "web", "127.0.0.1:0")));
        int port = lb.address("www").getPort();
        long inode = listeningInode(port);

        lb.apply(config(List.of(backend("raw", Mode.TCP, a)), frontend("www", Mode.TCP, "raw", "127.0.0.1:0")));

        assertEquals(Mode.TCP, lb.frontend("www").config().mode());
        assertEquals(inode, listeningInode(port));
        try (RawHttp c = new RawHttp(loopback(port))) {
            // Relayed byte for byte: the server's own answer, without the headers Tandem's HTTP mode adds.
            RawHttp.Response r = c.get("/");
            assertEquals("a\n", r.body());
            assertEquals("a", r.header("x-backend"));
        }
        assertEquals(1, lb.frontend("www").connectionsTotal(), "counted by the new tcp frontend");
    }

    @Test
    void addedFrontendListensAndARemovedOneStopsWithoutCuttingItsConnections() throws Exception {
        twoBackends();
        LoadBalancer lb = fixture.start(config(backends, frontend("www", "web", "127.0.0.1:0")));
        int wwwPort = lb.address("www").getPort();
        try (RawHttp idle = new RawHttp(lb.address("www"));
                RawHttp busy = new RawHttp(lb.address("www"))) {
            assertEquals("a\n", idle.get("/").body());
            busy.send("GET /slow?ms=1000 HTTP/1.1\r\nHost: x\r\n\r\n");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> lb.frontend("www").currentConnections() == 2);

            // Other addresses: on 127.0.0.1:0, the same bind, api would take www's socket over.
            lb.apply(config(backends, frontend("api", "web2", "127.0.0.2:0", "127.0.0.3:0")));

            assertEquals(List.of("api"), names(lb));
            List<InetSocketAddress> bound = lb.frontend("api").boundAddresses();
            assertEquals(2, bound.size());
            assertEquals("b", answer(bound.get(0)));
            assertEquals("b", answer(bound.get(1)));
            assertThrows(ConnectException.class, () -> new RawHttp(loopback(wwwPort)).close());
            RawHttp.Response inFlight = busy.read();
            assertEquals(200, inFlight.status(), "the request in progress completes");
            assertEquals("close", inFlight.header("connection"), "and says that the connection ends");
            assertTrue(busy.closedByPeer());
            assertTrue(idle.closedByPeer(), "an idle keep-alive connection of a removed frontend is closed");
        }
    }

    @Test
    void failedMoveOfABindLeavesTheOldFrontendServingIt() throws Exception {
        twoBackends();
        LoadBalancerConfig first = config(backends, frontend("www", "web", "127.0.0.1:0"));
        LoadBalancer lb = fixture.start(first);
        int port = lb.address("www").getPort();
        long inode = listeningInode(port);
        try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Set<Long> sockets = ownListeningSockets();
            LoadBalancerConfig moved =
                    config(backends, frontend("site", "web2", "127.0.0.1:0", "127.0.0.1:" + held.getLocalPort()));

            assertThrows(LoadBalancerException.class, () -> lb.apply(moved));

            assertSame(first, lb.config());
            assertEquals(List.of("www"), names(lb));
            assertEquals(port, lb.address("www").getPort());
            assertEquals(inode, listeningInode(port), "the old listening socket, never closed");
            assertEquals(sockets, ownListeningSockets(), "no socket left behind");
            assertEquals("a", answer(port), "the old routes");
        }
        // The model and the sockets agree: a later reload of www takes effect on its port.
        lb.apply(config(backends, frontend("www", "web2", "127.0.0.1:0")));
        assertEquals("b", answer(port));
        assertEquals(inode, listeningInode(port));
    }

    @Test
    void halfBoundNewFrontendReleasesWhatItBound() throws Exception {
        twoBackends();
        LoadBalancerConfig first = config(backends, frontend("www", "web", "127.0.0.1:0"));
        LoadBalancer lb = fixture.start(first);
        try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Set<Long> sockets = ownListeningSockets();
            // api binds a port of its own, then fails on the held one.
            LoadBalancerConfig next = config(
                    backends,
                    frontend("www", "web", "127.0.0.1:0"),
                    frontend("api", "web2", "127.0.0.1:0", "127.0.0.1:" + held.getLocalPort()));

            LoadBalancerException e = assertThrows(LoadBalancerException.class, () -> lb.apply(next));

            assertTrue(
                    e.getMessage().startsWith("frontend api: cannot listen on 127.0.0.1:" + held.getLocalPort() + ": "),
                    e.getMessage());
            assertEquals(sockets, ownListeningSockets(), "api's first socket is closed again");
            assertSame(first, lb.config());
            assertEquals(List.of("www"), names(lb));
        }
    }

    @Test
    void failureOfALaterFrontendGivesTheTakenSocketBack() throws Exception {
        twoBackends();
        LoadBalancer lb = fixture.start(config(backends, frontend("www", "web", "127.0.0.1:0")));
        int port = lb.address("www").getPort();
        long inode = listeningInode(port);
        try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // site takes www's socket over; api then fails: site must give it back.
            LoadBalancerConfig next = config(
                    backends,
                    frontend("site", "web2", "127.0.0.1:0"),
                    frontend("api", "web2", "127.0.0.1:" + held.getLocalPort()));

            assertThrows(LoadBalancerException.class, () -> lb.apply(next));

            assertEquals(List.of("www"), names(lb));
            assertEquals(inode, listeningInode(port));
            assertEquals("a", answer(port));
        }
        // Given back for good: the next reload can hand it over again.
        lb.apply(config(backends, frontend("site", "web2", "127.0.0.1:0")));
        assertEquals(inode, listeningInode(port));
        assertEquals("b", answer(port));
    }
}
