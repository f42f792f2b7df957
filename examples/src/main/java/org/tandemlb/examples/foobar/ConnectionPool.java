package org.tandemlb.examples.foobar;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A small bounded JDBC connection pool: at most {@code size} connections in use at once, a
 * borrower waits at most {@code borrowTimeout} for one (then a clear error, never a hang), and a
 * connection is reused only while younger than {@code maxLifetime}, so that connections opened
 * through a load balancer spread again over the servers after one came back.
 *
 * <p>Behind Tandem every connection is a TCP connection through the VIP: when the active load
 * balancer or the database server behind a connection dies, the connection breaks. {@link
 * #call} therefore retries once, on a new connection, a statement that failed because its
 * connection was broken or reached a read-only server (a replica that took writes as the
 * primary's backup), and throws away the idle connections, which went the same way.
 */
final class ConnectionPool implements AutoCloseable {

    /** MariaDB's ER_OPTION_PREVENTS_STATEMENT: the server runs with --read-only (a replica). */
    static final int READ_ONLY = 1290;

    /** Work done with one connection. */
    @FunctionalInterface
    interface SqlWork<T> {
        T run(Connection connection) throws SQLException;
    }

    private record Idle(Connection connection, long openedNanos) {}

    private final String url;
    private final Properties properties;
    private final Semaphore permits;
    private final Duration borrowTimeout;
    private final Duration maxLifetime;
    private final LongSupplier nanoTime;
    private final Deque<Idle> idle = new ArrayDeque<>();

    ConnectionPool(
            String url,
            Properties properties,
            int size,
            Duration borrowTimeout,
            Duration maxLifetime,
            LongSupplier nanoTime) {
        this.url = url;
        this.properties = properties;
        this.permits = new Semaphore(size, true);
        this.borrowTimeout = borrowTimeout;
        this.maxLifetime = maxLifetime;
        this.nanoTime = nanoTime;
    }

    /** Runs {@code work} with a pooled connection, retrying once on a new one when the connection failed. */
    <T> T call(SqlWork<T> work) throws SQLException {
        try {
            if (!permits.tryAcquire(borrowTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new SQLTransientConnectionException(
                        "no database connection free within " + borrowTimeout.toMillis() + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLTransientConnectionException("interrupted while waiting for a connection", e);
        }
        try {
            Idle reused = takeIdle();
            try {
                return attempt(reused != null ? reused : open(), work);
            } catch (SQLException first) {
                if (reused == null || !connectionFailed(first)) {
                    throw first;
                }
                discardIdle();
                return attempt(open(), work);
            }
        } finally {
            permits.release();
        }
    }

    private <T> T attempt(Idle connection, SqlWork<T> work) throws SQLException {
        T result;
        try {
            result = work.run(connection.connection());
        } catch (SQLException | RuntimeException e) {
            // After a failure the connection's state is unknown: it is never reused.
            closeQuietly(connection.connection());
            throw e;
        }
        if (nanoTime.getAsLong() - connection.openedNanos() < maxLifetime.toNanos()) {
            synchronized (idle) {
                idle.push(connection);
            }
        } else {
            closeQuietly(connection.connection());
        }
        return result;
    }

    /** Whether {@code e} says the connection (or the server it reached) is unusable, not the statement. */
    static boolean connectionFailed(SQLException e) {
        String state = e.getSQLState();
        return e instanceof SQLNonTransientConnectionException
                || e instanceof SQLTransientConnectionException
                || (state != null && state.startsWith("08"))
                || e.getErrorCode() == READ_ONLY;
    }

    private Idle open() throws SQLException {
        return new Idle(DriverManager.getConnection(url, properties), nanoTime.getAsLong());
    }

    private Idle takeIdle() {
        synchronized (idle) {
            return idle.poll();
        }
    }

    private void discardIdle() {
        List<Idle> dropped;
        synchronized (idle) {
            dropped = new ArrayList<>(idle);
            idle.clear();
        }
        dropped.forEach(d -> closeQuietly(d.connection()));
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // Closing a broken connection may fail; it is gone either way.
        }
    }

    @Override
    public void close() {
        discardIdle();
    }
}
