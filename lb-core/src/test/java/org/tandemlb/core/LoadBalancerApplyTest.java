package org.tandemlb.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.frontend.Frontend;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;

/**
 * {@link LoadBalancer#apply} with real sockets on loopback: which listeners are kept, handed over,
 * added and removed, and that a failed apply leaves the old model serving.
 */
class LoadBalancerApplyTest {
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T c) {
        closeables.add(c);
        return c;
    }

    private TestBackend server(String name) {
        return track(TestBackend.start(name));
    }

    private LoadBalancer start(LoadBalancerConfig config) {
        LoadBalancer lb = track(LoadBalancer.builder(config).threads(1).build());
        lb.start();
        return lb;
    }

    static BackendConfig backend(String name, TestBackend... servers) {
        BackendConfig.Builder b = BackendConfig.builder(name, Mode.HTTP);
        for (TestBackend s : servers) {
            b.server(ServerConfig.builder(s.name(), s.hostPort()).build());
        }
        return b.build();
    }

    static FrontendConfig frontend(String name, String backend, String... binds) {
        FrontendConfig.Builder f = FrontendConfig.builder(name, Mode.HTTP).defaultBackend(backend);
        for (String bind : binds) {
            f.bind(bind);
        }
        return f.build();
    }

    static LoadBalancerConfig config(List<BackendConfig> backends, FrontendConfig... frontends) {
        LoadBalancerConfig.Builder c = LoadBalancerConfig.builder();
        backends.forEach(c::backend);
        for (FrontendConfig f : frontends) {
            c.frontend(f);
        }
        return c.build();
    }

    /** The body of a GET / on a new connection to 127.0.0.1:port: the name of the server that answered. */
    static String answer(int port) throws IOException {
        try (RawHttp c = new RawHttp(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
            return c.get("/").body().trim();
        }
    }

    /**
     * The inode of the socket listening on 127.0.0.1:port, from the kernel's own tables: the same
     * inode is the same socket, never closed in between. (io_uring listeners are dual-stack, so
     * they are in the IPv6 table, with the IPv4-mapped address.)
     */
    static long listeningInode(int port) throws IOException {
        String v4 = String.format(Locale.ROOT, "0100007F:%04X", port);
        String v6 = "0000000000000000FFFF0000" + v4;
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                if ((f[1].equals(v4) || f[1].equals(v6)) && f[3].equals("0A")) { // 0A: LISTEN
                    return Long.parseLong(f[9]);
                }
            }
        }
        throw new AssertionError("nothing listens on 127.0.0.1:" + port);
    }

    private static List<String> names(LoadBalancer lb) {
        return lb.frontends().stream().map(Frontend::name).toList();
    }

    @Test
    void failedMoveOfABindLeavesTheOldFrontendServingIt() throws Exception {
        TestBackend a = server("a");
        TestBackend b = server("b");
        List<BackendConfig> backends = List.of(backend("web", a), backend("web2", b));
        LoadBalancerConfig first = config(backends, frontend("www", "web", "127.0.0.1:0"));
        LoadBalancer lb = start(first);
        int port = lb.address("www").getPort();
        long inode = listeningInode(port);
        try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            LoadBalancerConfig moved = config(backends,
                    frontend("site", "web2", "127.0.0.1:0", "127.0.0.1:" + held.getLocalPort()));

            assertThrows(LoadBalancerException.class, () -> lb.apply(moved));

            assertSame(first, lb.config());
            assertEquals(List.of("www"), names(lb));
            assertEquals(port, lb.address("www").getPort());
            assertEquals(inode, listeningInode(port), "the old listening socket, never closed");
            assertEquals("a", answer(port), "the old routes");
        }
        // The model and the sockets agree: a later reload of www takes effect on its port.
        lb.apply(config(backends, frontend("www", "web2", "127.0.0.1:0")));
        assertEquals("b", answer(port));
        assertEquals(inode, listeningInode(port));
    }

    @Test
    void renamedFrontendTakesOverTheListeningSocket() throws Exception {
        TestBackend a = server("a");
        TestBackend b = server("b");
        List<BackendConfig> backends = List.of(backend("web", a), backend("web2", b));
        LoadBalancer lb = start(config(backends, frontend("www", "web", "127.0.0.1:0")));
        int port = lb.address("www").getPort();
        long inode = listeningInode(port);
        try (RawHttp before = new RawHttp(lb.address("www"))) {
            assertEquals("a\n", before.get("/").body());

            lb.apply(config(backends, frontend("site", "web2", "127.0.0.1:0")));

            assertEquals(List.of("site"), names(lb));
            assertEquals(port, lb.address("site").getPort());
            assertEquals(inode, listeningInode(port), "the same listening socket, never closed");
            assertEquals("b", answer(port), "new connections get the new frontend's routes");
            assertEquals("a\n", before.get("/").body(), "a connection opened before goes on");
        }
    }
}
