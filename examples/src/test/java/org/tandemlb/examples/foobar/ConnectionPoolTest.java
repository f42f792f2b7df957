package org.tandemlb.examples.foobar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.testsupport.MariaDbServer;

/**
 * The application server's pool against a real MariaDB: connections are reused, a connection the
 * server closed is replaced without the caller noticing, a read-only server's refusal comes back
 * at once as its error, and a borrower waits at most the borrow timeout.
 */
class ConnectionPoolTest {

    private static MariaDbServer db;

    @BeforeAll
    static void startDatabase() {
        db = MariaDbServer.start("--skip-name-resolve");
        db.sql("CREATE DATABASE foobar; CREATE TABLE foobar.t (id INT AUTO_INCREMENT PRIMARY KEY);"
                + " CREATE USER 'app'@'%' IDENTIFIED BY 'secret'; GRANT SELECT, INSERT ON foobar.* TO 'app'@'%'");
    }

    @AfterAll
    static void stopDatabase() {
        if (db != null) {
            db.close();
        }
    }

    private final AtomicLong clock = new AtomicLong();

    private ConnectionPool pool(int size, Duration borrowTimeout) {
        Properties properties = new Properties();
        properties.setProperty("user", "app");
        properties.setProperty("password", "secret");
        properties.setProperty("connectTimeout", "2000");
        properties.setProperty("socketTimeout", "5000");
        return new ConnectionPool(
                "jdbc:mariadb://127.0.0.1:" + db.port() + "/foobar",
                properties,
                size,
                borrowTimeout,
                Duration.ofSeconds(30),
                clock::get);
    }

    private static long connectionId(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT CONNECTION_ID()")) {
            r.next();
            return r.getLong(1);
        }
    }

    @Test
    void aConnectionIsReusedUntilItsLifetimeIsOver() throws Exception {
        try (ConnectionPool pool = pool(2, Duration.ofSeconds(2))) {
            long first = pool.call(ConnectionPoolTest::connectionId);
            assertEquals(first, pool.call(ConnectionPoolTest::connectionId));
            clock.addAndGet(Duration.ofSeconds(31).toNanos());
            pool.call(ConnectionPoolTest::connectionId); // returned past its lifetime: closed
            assertNotEquals(first, pool.call(ConnectionPoolTest::connectionId));
        }
    }

    @Test
    void aConnectionTheServerClosedIsReplacedOnTheSameCall() throws Exception {
        try (ConnectionPool pool = pool(2, Duration.ofSeconds(2))) {
            long first = pool.call(ConnectionPoolTest::connectionId);
            db.sql("KILL " + first); // as a server restart or a load balancer failover would

            long second = pool.call(ConnectionPoolTest::connectionId);

            assertNotEquals(first, second);
        }
    }

    @Test
    void aReadOnlyServerRefusesAWriteAtOnce() throws Exception {
        try (ConnectionPool pool = pool(2, Duration.ofSeconds(2))) {
            db.sql("SET GLOBAL read_only = ON");
            try {
                long start = System.nanoTime();
                SQLException e = assertThrows(
                        SQLException.class,
                        () -> pool.call(c -> c.createStatement().executeUpdate("INSERT INTO t () VALUES ()")));
                assertEquals(ConnectionPool.READ_ONLY, e.getErrorCode(), e.toString());
                // Refused, not timed out: sooner than the 5 s socket timeout a hang would end at.
                long took = Duration.ofNanos(System.nanoTime() - start).toMillis();
                assertTrue(took < 5000, took + " ms");
            } finally {
                db.sql("SET GLOBAL read_only = OFF");
            }
            int inserted = pool.call(c -> c.createStatement().executeUpdate("INSERT INTO t () VALUES ()"));
            assertEquals(1, inserted, "writes work again once the server does");
        }
    }

    @Test
    void aBorrowerWaitsAtMostTheBorrowTimeout() throws Exception {
        try (ConnectionPool pool = pool(1, Duration.ofMillis(200))) {
            // The only connection is in use by the outer call while the inner one asks for another.
            SQLException e = pool.call(outer -> assertThrows(
                    SQLTransientConnectionException.class, () -> pool.call(ConnectionPoolTest::connectionId)));
            assertTrue(e.getMessage().contains("no database connection free within 200 ms"), e.getMessage());
        }
    }
}
