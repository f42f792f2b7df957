package org.tandemlb.core.health;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Balance;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.HealthCheckConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.MariaDbServer;

/**
 * The mysql check against a real MariaDB with {@code max_connect_errors = 3}. The checks come
 * from 127.0.0.2 ({@code LoadBalancer.Builder.checkSource}), an address MariaDB counts
 * connection errors for (it never counts 127.0.0.1's). The test also shows that a bare tcp
 * check from there does trip the limit, so the assertions on the mysql check could fail.
 */
class MysqlHealthCheckTest {
    private static final Logger log = LoggerFactory.getLogger(MysqlHealthCheckTest.class);
    private static final String USER = "tandem_check";

    private static long status(MariaDbServer db, String variable) {
        String row = db.sql("SHOW GLOBAL STATUS LIKE '" + variable + "'").strip();
        return Long.parseLong(row.substring(row.indexOf('\t') + 1).strip());
    }

    private static LoadBalancerConfig config(MariaDbServer db, HealthCheckConfig check) {
        return LoadBalancerConfig.builder()
                .backend(BackendConfig.builder("db", Mode.TCP)
                        .balance(Balance.LEASTCONN)
                        .healthCheck(check)
                        .server(ServerConfig.builder("db1", "127.0.0.1:" + db.port())
                                .build())
                        .build())
                .frontend(FrontendConfig.builder("fe", Mode.TCP)
                        .bind("127.0.0.1:0")
                        .defaultBackend("db")
                        .build())
                .build();
    }

    private static HealthCheckConfig mysqlCheck(int fall) {
        return HealthCheckConfig.builder(HealthCheckConfig.Type.MYSQL)
                .user(USER)
                .interval(Duration.ofMillis(20))
                .timeout(Duration.ofSeconds(2))
                .rise(2)
                .fall(fall)
                .build();
    }

    @Test
    void checksWithAUserNeverTripMaxConnectErrorsWhileBareTcpChecksDo() throws Exception {
        try (MariaDbServer db = MariaDbServer.start("--max-connect-errors=3")) {
            db.createPasswordlessUser(USER); // without it, 127.0.0.2 would be refused before the greeting
            long abortedBefore = status(db, "Aborted_connects");
            long connectionsBefore = status(db, "Connections");
            try (LoadBalancer lb = LoadBalancer.builder(config(db, mysqlCheck(3)))
                    .threads(2)
                    .checkSource(InetAddress.getByName("127.0.0.2"))
                    .build()) {
                lb.start();
                Server db1 = lb.backend("db").server("db1");

                // 50 consecutive mysql checks, from an address MariaDB keeps score for.
                await().atMost(Duration.ofSeconds(20)).until(() -> status(db, "Connections") - connectionsBefore >= 50);
                assertTrue(db1.isUp());
                assertEquals(0, db1.checkFailuresTotal(), "every check passed");
                assertEquals(abortedBefore, status(db, "Aborted_connects"), "no check was an aborted connection");
                String version = db.sql("SELECT VERSION()").strip();
                assertEquals(version, db1.lastCheck().message(), "the check reports the server's version");

                // Clients through the tcp frontend are not blocked.
                int port = lb.address("fe").getPort();
                assertEquals(
                        "42",
                        db.sqlOverTcp("127.0.0.1", port, USER, "SELECT 42").strip());

                // Stopped: reported down (connection refused), then back when restarted.
                db.stop();
                await().atMost(Duration.ofSeconds(5)).until(() -> !db1.isUp());
                assertEquals("connection refused", db1.lastCheck().message());
                db.start();
                await().atMost(Duration.ofSeconds(10)).until(db1::isUp);
                assertEquals(
                        "7", db.sqlOverTcp("127.0.0.1", port, USER, "SELECT 7").strip());

                // The control: bare tcp checks from the same address get it blocked.
                long abortedBeforeTcp = status(db, "Aborted_connects");
                lb.apply(config(
                        db,
                        HealthCheckConfig.builder(HealthCheckConfig.Type.TCP)
                                .interval(Duration.ofMillis(20))
                                .build()));
                // Each tcp check is an aborted connection. MariaDB cannot pin some of them on a host
                // (the reset comes before it has read the peer's address: Connection_errors_peer_address),
                // so wait for well more than max_connect_errors of them.
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> status(db, "Aborted_connects") - abortedBeforeTcp >= 40);
                // Back to the mysql check: the server now refuses 127.0.0.2 with ERR 1129.
                lb.apply(config(db, mysqlCheck(1)));
                await().atMost(Duration.ofSeconds(5)).until(() -> !db1.isUp());
                assertTrue(
                        db1.lastCheck().message().startsWith("error 1129: "),
                        db1.lastCheck().message());
                log.info(
                        "control: after bare tcp checks from 127.0.0.2 the mysql check fails with: {}",
                        db1.lastCheck().message());
                db.sql("FLUSH HOSTS");
                await().atMost(Duration.ofSeconds(5)).until(db1::isUp);
            }
        }
    }

    @Test
    void aCheckUserThatDoesNotExistFailsTheCheck() throws Exception {
        try (MariaDbServer db = MariaDbServer.start("--max-connect-errors=3")) {
            try (LoadBalancer lb = LoadBalancer.builder(config(
                            db,
                            HealthCheckConfig.builder(HealthCheckConfig.Type.MYSQL)
                                    .user("nobody")
                                    .interval(Duration.ofMillis(50))
                                    .timeout(Duration.ofSeconds(2))
                                    .build()))
                    .threads(1)
                    .build()) {
                lb.start();
                Server db1 = lb.backend("db").server("db1");
                await().atMost(Duration.ofSeconds(5)).until(() -> !db1.isUp());
                // 1045, or 1698 when MariaDB knows no account of that name at all
                assertTrue(
                        db1.lastCheck().message().matches("error (1045|1698): Access denied for user 'nobody'.*"),
                        db1.lastCheck().message());
            }
        }
    }
}
