package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tandemlb.core.http.GrpcThroughTandem.DEADLINE_SECONDS;
import static org.tandemlb.core.http.GrpcThroughTandem.options;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.http.GrpcThroughTandem.Chat;
import org.tandemlb.core.testsupport.GrpcServer;

/**
 * How Tandem's HTTP/2 connections to a gRPC server live: the server's
 * {@code MAX_CONCURRENT_STREAMS} respected (more connections rather than more streams), a
 * GOAWAY retiring a connection without failing a call, a server killed under an open call
 * failing that call at once.
 */
class GrpcConnectionsTest {
    private GrpcThroughTandem grpc;
    private GrpcServer server;
    private ManagedChannel client;

    private void start(UnaryOperator<NettyServerBuilder> options) {
        grpc = GrpcThroughTandem.start(options, b -> b.retries(0));
        server = grpc.server;
        client = grpc.client;
    }

    @AfterEach
    void stop() {
        grpc.close();
    }

    private Chat chat() {
        return GrpcThroughTandem.chat(client);
    }

    @Test
    void callsBeyondTheServersStreamLimitGoOnMoreConnections() throws Exception {
        start(b -> b.maxConcurrentCallsPerConnection(4));
        // The first call brings the server's SETTINGS (MAX_CONCURRENT_STREAMS 4).
        assertEquals("hello a, from g1", ClientCalls.blockingUnaryCall(client, GrpcServer.SAY, options(), "a"));
        List<Chat> open = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Chat c = chat();
            c.requests().onNext("m" + i);
            // Answered while every earlier call stays open: none waits for another's end.
            assertEquals("M" + i, c.answers().poll(DEADLINE_SECONDS, TimeUnit.SECONDS), "call " + i + " answered");
            open.add(c);
        }
        assertEquals(3, server.connections(), "12 open calls, 4 per connection");
        for (Chat c : open) {
            c.requests().onCompleted();
            assertEquals(
                    Status.Code.OK,
                    c.ended().get(DEADLINE_SECONDS, TimeUnit.SECONDS).getCode());
        }
    }

    @Test
    void aGoAwayRetiresTheConnectionAndTheNextCallsTakeANewOne() throws Exception {
        // The server sends GOAWAY to each connection after 300 ms, letting its calls finish.
        start(b -> b.maxConnectionAge(300, TimeUnit.MILLISECONDS).maxConnectionAgeGrace(5, TimeUnit.SECONDS));
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int calls = 0;
        while (server.connections() < 3 && System.nanoTime() < until && calls < 10_000) {
            assertEquals(
                    "hello c" + calls + ", from g1",
                    ClientCalls.blockingUnaryCall(client, GrpcServer.SAY, options(), "c" + calls));
            calls++;
        }
        assertTrue(server.connections() >= 3, "connections retired and replaced: " + server.connections());
        assertEquals(calls, server.calls(), "every call answered, none failed across the GOAWAYs");
    }

    @Test
    void aServerKilledUnderAnOpenCallFailsThatCall() throws Exception {
        start(UnaryOperator.identity());
        Chat c = chat();
        c.requests().onNext("hi");
        assertEquals("HI", c.answers().poll(DEADLINE_SECONDS, TimeUnit.SECONDS));
        server.close();
        Status status = c.ended().get(DEADLINE_SECONDS, TimeUnit.SECONDS);
        assertNotEquals(Status.Code.OK, status.getCode(), "the call was cut short: " + status);
        assertNotEquals(Status.Code.DEADLINE_EXCEEDED, status.getCode(), "and at once: " + status);
    }
}
