package org.tandemlb.core;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.frontend.Frontend;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;

/**
 * What the tests of {@link LoadBalancer#apply} share: configurations in a few words, test servers
 * and load balancers closed after each test, and the kernel's view of the listening sockets.
 */
final class ApplyFixture implements AutoCloseable {
    private final List<AutoCloseable> closeables = new ArrayList<>();

    <T extends AutoCloseable> T track(T c) {
        closeables.add(c);
        return c;
    }

    /** A test HTTP server called {@code name} (its answers' body). */
    TestBackend server(String name) {
        return track(TestBackend.start(name));
    }

    /** A started load balancer on one event loop. */
    LoadBalancer start(LoadBalancerConfig config) {
        LoadBalancer lb = track(LoadBalancer.builder(config).threads(1).build());
        lb.start();
        return lb;
    }

    /** Closes what was tracked, the newest first; the first failure is thrown, after all are closed. */
    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IOException("closing " + closeables.get(i), e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    static BackendConfig backend(String name, Mode mode, TestBackend... servers) {
        BackendConfig.Builder b = BackendConfig.builder(name, mode);
        for (TestBackend s : servers) {
            b.server(ServerConfig.builder(s.name(), s.hostPort()).build());
        }
        return b.build();
    }

    static BackendConfig backend(String name, TestBackend... servers) {
        return backend(name, Mode.HTTP, servers);
    }

    static FrontendConfig frontend(String name, Mode mode, String backend, String... binds) {
        FrontendConfig.Builder f = FrontendConfig.builder(name, mode).defaultBackend(backend);
        for (String bind : binds) {
            f.bind(bind);
        }
        return f.build();
    }

    static FrontendConfig frontend(String name, String backend, String... binds) {
        return frontend(name, Mode.HTTP, backend, binds);
    }

    static LoadBalancerConfig config(List<BackendConfig> backends, FrontendConfig... frontends) {
        LoadBalancerConfig.Builder c = LoadBalancerConfig.builder();
        backends.forEach(c::backend);
        for (FrontendConfig f : frontends) {
            c.frontend(f);
        }
        return c.build();
    }

    static InetSocketAddress loopback(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** The body of a GET / on a new connection to 127.0.0.1:port: the name of the server that answered. */
    static String answer(int port) throws IOException {
        return answer(loopback(port));
    }

    /** The body of a GET / on a new connection to {@code address}. */
    static String answer(InetSocketAddress address) throws IOException {
        try (RawHttp c = new RawHttp(address)) {
            return c.get("/").body().trim();
        }
    }

    static List<String> names(LoadBalancer lb) {
        return lb.frontends().stream().map(Frontend::name).toList();
    }

    /**
     * The inode of the socket listening on 127.0.0.1:port, from the kernel's own tables: the same
     * inode is the same socket, never closed in between.
     */
    static long listeningInode(int port) throws IOException {
        String v4 = String.format(Locale.ROOT, "0100007F:%04X", port);
        String v6 = "0000000000000000FFFF0000" + v4; // io_uring listeners are dual-stack
        for (String[] row : listening()) {
            if (row[1].equals(v4) || row[1].equals(v6)) {
                return Long.parseLong(row[9]);
            }
        }
        throw new AssertionError("nothing listens on 127.0.0.1:" + port);
    }

    /** The inodes of the listening TCP sockets this process holds open. */
    static Set<Long> ownListeningSockets() throws IOException {
        Set<Long> own = new HashSet<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        own.add(Long.parseLong(target.substring(8, target.length() - 1)));
                    }
                } catch (IOException closedMeanwhile) {
                    // the fd of the listing itself, or one another thread just closed
                }
            }
        }
        Set<Long> out = new HashSet<>();
        for (String[] row : listening()) {
            long inode = Long.parseLong(row[9]);
            if (own.contains(inode)) {
                out.add(inode);
            }
        }
        return out;
    }

    /** The LISTEN rows of /proc/net/tcp and tcp6, split into columns. */
    private static List<String[]> listening() throws IOException {
        List<String[]> rows = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f[3].equals("0A")) { // TCP_LISTEN
                    rows.add(f);
                }
            }
        }
        return rows;
    }
}
