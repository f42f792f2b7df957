package org.tandemlb.core.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.IntSupplier;
import java.util.regex.Pattern;

/**
 * A real MariaDB server ({@code /usr/sbin/mariadbd}, Debian package mariadb-server) run by a
 * test: a child process with its own data directory, UNIX socket, logs and PID file in a
 * temporary directory, listening on 127.0.0.1 on a random port.
 *
 * <pre>{@code
 * try (MariaDbServer db = MariaDbServer.start("--max-connect-errors=3")) {
 *     db.createPasswordlessUser("tandem_check");
 *     db.sqlOverTcp("127.0.0.1", proxyPort, "tandem_check", "SELECT 1");   // through a proxy
 * }
 * }</pre>
 *
 * <p>Administration goes through the {@code mariadb} command-line client over the UNIX socket as
 * the database's root (socket authentication: the operating-system user is the database user),
 * never over TCP: a probe that connected and closed would count as a connection error towards
 * {@code max_connect_errors} — the very thing the mysql health check must not trip. (MariaDB does
 * not count connections from 127.0.0.1 itself there; from another loopback address such as
 * 127.0.0.2 it does.)
 *
 * <p>The data directory is initialised once per JVM with {@code mariadb-install-db} and copied for
 * each server, which saves about a second and a half per server. Buffers are small and the
 * performance schema is off, so a server starts in well under a second.
 */
public final class MariaDbServer extends ExternalServer {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(20);
    private static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9_]{1,32}");

    /** Settings for the initialisation and for every start: fast to start, small on disk. */
    private static final List<String> SMALL_AND_FAST = List.of(
            "--skip-log-bin",
            "--innodb-buffer-pool-size=16M",
            "--innodb-log-file-size=8M",
            "--performance-schema=OFF",
            // Data survives a killed server (the OS still writes it); only a host crash could lose it.
            "--innodb-flush-log-at-trx-commit=2");

    private static Path template;

    private final Path mariadbd;
    private final Path client;
    private final Path dataDir;
    private final Path socket;
    private final List<String> extraArgs;

    private MariaDbServer(List<String> extraArgs, Path dir) {
        super("MariaDB", dir, dir.resolve("error.log"), dir.resolve("mariadbd.pid"), STARTUP_TIMEOUT, STOP_GRACE);
        this.mariadbd = ExternalProcesses.requireBinary("mariadb-server", "/usr/sbin/mariadbd", "mariadbd");
        this.client = ExternalProcesses.requireBinary("mariadb-client", "mariadb", "mysql");
        this.extraArgs = List.copyOf(extraArgs);
        this.dataDir = dir.resolve("data");
        this.socket = dir.resolve("mysql.sock");
        try {
            Files.createDirectories(dir.resolve("tmp"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ExternalProcesses.copyRecursively(template(), dataDir);
    }

    /**
     * Starts a MariaDB server with {@code extraServerArgs} added to its command line (after the
     * defaults, so they win), e.g. {@code --max-connect-errors=3}; returns once it answers queries.
     */
    public static MariaDbServer start(String... extraServerArgs) {
        return start(ExternalProcesses::randomPort, List.of(extraServerArgs));
    }

    /** {@link #start(String...)} with the ports to try drawn from {@code ports}; for the test of the port retry. */
    static MariaDbServer start(IntSupplier ports, List<String> extraServerArgs) {
        MariaDbServer server = new MariaDbServer(extraServerArgs, ExternalProcesses.createTempDir("tandem-mariadb-"));
        server.startOnFreePort(ports);
        return server;
    }

    /** Runs mariadb-install-db once per JVM, into a directory each server's data directory is copied from. */
    private static synchronized Path template() {
        if (template == null) {
            Path installDb =
                    ExternalProcesses.requireBinary("mariadb-server", "mariadb-install-db", "mysql_install_db");
            Path dir = ExternalProcesses.createTempDir("tandem-mariadb-template-");
            Path data = dir.resolve("data");
            List<String> command = new ArrayList<>(List.of(
                    installDb.toString(),
                    "--no-defaults",
                    "--datadir=" + data,
                    "--auth-root-authentication-method=socket",
                    "--auth-root-socket-user=" + ExternalProcesses.userName(),
                    "--skip-test-db"));
            if (ExternalProcesses.isRoot()) {
                command.add("--user=root"); // mariadbd refuses to run as root without it
            }
            command.addAll(SMALL_AND_FAST);
            ExternalProcesses.run(Duration.ofMinutes(2), command).orThrow();
            template = data;
        }
        return template;
    }

    @Override
    protected List<String> command(int candidatePort) {
        List<String> command = new ArrayList<>(List.of(
                mariadbd.toString(),
                "--no-defaults", // must come first
                "--datadir=" + dataDir,
                "--socket=" + socket,
                "--port=" + candidatePort,
                "--bind-address=127.0.0.1",
                "--pid-file=" + pidFile(),
                "--log-error=" + errorLog(),
                "--tmpdir=" + dir.resolve("tmp")));
        if (ExternalProcesses.isRoot()) {
            command.add("--user=root");
        }
        command.addAll(SMALL_AND_FAST);
        command.addAll(extraArgs);
        return command;
    }

    @Override
    protected boolean ready(Process started, int candidatePort) {
        // The UNIX socket is set up after the TCP port is bound, so a query over the socket tells
        // that the server is ready and that the port is its own.
        return Files.exists(socket) && runSql("SELECT 1").ok();
    }

    /** The server's UNIX socket. */
    public Path socket() {
        return socket;
    }

    /**
     * Runs {@code statement} (one or more, separated by {@code ;}) as the database's root over the
     * UNIX socket and returns what the client printed: tab-separated rows, no column names. Fails
     * with the client's error when it exits non-zero or takes more than 20 s.
     */
    public String sql(String statement) {
        return runSql(statement).orThrow().stdout();
    }

    private ExternalProcesses.CommandResult runSql(String statement) {
        return ExternalProcesses.run(
                CLIENT_TIMEOUT,
                client.toString(),
                "--no-defaults",
                "--socket=" + socket,
                "--user=" + ExternalProcesses.userName(),
                "--batch",
                "--skip-column-names",
                "--connect-timeout=10",
                "--execute=" + statement);
    }

    /**
     * Runs {@code statement} as {@code user} (without a password) over TCP to {@code host}:{@code port}
     * — this server, or a proxy in front of it — and returns what the client printed: tab-separated
     * rows, no column names. Fails with the client's error when it exits non-zero or takes more
     * than 20 s.
     */
    public String sqlOverTcp(String host, int port, String user, String statement) {
        return trySqlOverTcp(host, port, user, statement).orThrow().stdout();
    }

    /**
     * Like {@link #sqlOverTcp} but returns the client's exit code and output rather than failing,
     * for tests that expect the query to fail.
     */
    public ExternalProcesses.CommandResult trySqlOverTcp(String host, int port, String user, String statement) {
        return ExternalProcesses.run(
                CLIENT_TIMEOUT,
                client.toString(),
                "--no-defaults",
                "--protocol=TCP",
                "--host=" + host,
                "--port=" + port,
                "--user=" + user,
                "--batch",
                "--skip-column-names",
                "--connect-timeout=10",
                "--execute=" + statement);
    }

    /**
     * Creates {@code user} without a password for 127.0.0.1, localhost and any host ({@code %}),
     * with no privileges (USAGE): enough to log in and {@code SELECT 1}, as a health check does.
     */
    public void createPasswordlessUser(String user) {
        Objects.requireNonNull(user, "user");
        if (!USER_NAME.matcher(user).matches()) {
            throw new IllegalArgumentException("user name must match " + USER_NAME + ": " + user);
        }
        StringBuilder statements = new StringBuilder();
        for (String host : List.of("127.0.0.1", "localhost", "%")) {
            statements
                    .append("CREATE USER IF NOT EXISTS '")
                    .append(user)
                    .append("'@'")
                    .append(host)
                    .append("';");
        }
        sql(statements.toString());
    }
}
