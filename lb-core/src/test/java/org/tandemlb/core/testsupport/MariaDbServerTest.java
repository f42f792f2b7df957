package org.tandemlb.core.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MariaDbServerTest {

    /** ER_HOST_IS_BLOCKED: "Host '...' is blocked because of many connection errors". */
    private static final int ER_HOST_IS_BLOCKED = 1129;

    @Test
    void answersOverItsSocketAndOverTcpAndStartsAgainAfterAStop() {
        try (MariaDbServer db = MariaDbServer.start("--max-connect-errors=3")) {
            assertTrue(db.isRunning());
            assertEquals("1", db.sql("SELECT 1").strip());
            assertEquals("3", db.sql("SELECT @@max_connect_errors").strip(), "extra arguments reach the server");

            db.createPasswordlessUser("tandem_check");
            assertEquals(
                    "1",
                    db.sqlOverTcp("127.0.0.1", db.port(), "tandem_check", "SELECT 1")
                            .strip());
            assertFalse(db.trySqlOverTcp("127.0.0.1", db.port(), "nobody_here", "SELECT 1")
                    .ok());

            db.sql(
                    "CREATE DATABASE shop; CREATE TABLE shop.item (id INT PRIMARY KEY); INSERT INTO shop.item VALUES (7)");
            long firstPid = db.pid();
            db.stop();
            assertFalse(db.isRunning());
            assertThrows(ConnectException.class, () -> new Socket().connect(db.address(), 2000));

            db.start();
            assertNotEquals(firstPid, db.pid());
            assertEquals("7", db.sql("SELECT id FROM shop.item").strip(), "same data directory after start()");
            assertEquals(
                    "1",
                    db.sqlOverTcp("127.0.0.1", db.port(), "tandem_check", "SELECT 1")
                            .strip(),
                    "same port after start()");
        }
    }

    /**
     * What the mysql health check exists for: bare TCP connects, as a plain tcp check makes, get a
     * client blocked after max_connect_errors. MariaDB leaves 127.0.0.1 out of that count, so the
     * connects come from 127.0.0.2.
     */
    @Test
    void bareConnectsFromAnotherLoopbackAddressGetTheHostBlocked() throws IOException {
        try (MariaDbServer db = MariaDbServer.start("--max-connect-errors=3")) {
            // Without an account for the client's host the server refuses at once (ERR 1130, "Host
            // is not allowed to connect") instead of greeting.
            db.createPasswordlessUser("tandem_check");
            InetSocketAddress from = new InetSocketAddress("127.0.0.2", 0);
            long aborted = abortedConnects(db);
            for (int i = 0; i < 3; i++) {
                assertEquals(0x0a, firstPacket(db, from)[4], "a greeting (protocol version 10) before the limit");
            }
            // The server counts an abandoned handshake once it has seen the client go: wait for it.
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> abortedConnects(db) >= aborted + 3);
            byte[] refusal = firstPacket(db, from);
            assertEquals((byte) 0xff, refusal[4], "an ERR packet once blocked");
            assertEquals(ER_HOST_IS_BLOCKED, (refusal[5] & 0xff) | (refusal[6] & 0xff) << 8);

            db.sql("FLUSH HOSTS");
            assertEquals(0x0a, firstPacket(db, from)[4], "unblocked by FLUSH HOSTS");
        }
    }

    private static long abortedConnects(MariaDbServer db) {
        String out = db.sql("SHOW GLOBAL STATUS LIKE 'Aborted_connects'").trim();
        return Long.parseLong(out.substring(out.lastIndexOf('\t') + 1).trim());
    }

    /** Connects from {@code from}, reads the server's first packet and closes without answering. */
    private static byte[] firstPacket(MariaDbServer db, InetSocketAddress from) throws IOException {
        try (Socket socket = new Socket()) {
            socket.setSoTimeout(5000);
            socket.bind(from);
            socket.connect(db.address(), 5000);
            InputStream in = socket.getInputStream();
            byte[] header = in.readNBytes(4);
            int length = (header[0] & 0xff) | (header[1] & 0xff) << 8 | (header[2] & 0xff) << 16;
            byte[] packet = new byte[4 + length];
            System.arraycopy(header, 0, packet, 0, 4);
            System.arraycopy(in.readNBytes(length), 0, packet, 4, length);
            return packet;
        }
    }

    @Test
    void triesAnotherPortWhenTheFirstIsTaken() throws IOException {
        try (ServerSocket squatter = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int taken = squatter.getLocalPort();
            AtomicInteger tries = new AtomicInteger();
            try (MariaDbServer db = MariaDbServer.start(
                    () -> tries.getAndIncrement() == 0 ? taken : ExternalProcesses.randomPort(), List.of())) {
                assertNotEquals(taken, db.port());
                assertTrue(tries.get() >= 2);
                assertEquals("1", db.sql("SELECT 1").strip());
            }
        }
    }
}
