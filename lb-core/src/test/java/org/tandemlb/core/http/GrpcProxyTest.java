package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tandemlb.core.http.GrpcThroughTandem.DEADLINE_SECONDS;
import static org.tandemlb.core.http.GrpcThroughTandem.options;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.http.GrpcThroughTandem.Chat;
import org.tandemlb.core.testsupport.GrpcServer;

/**
 * gRPC through Tandem: a real grpc-java client calls a real grpc-java server through an h2c
 * frontend and a {@code protocol: h2} backend (h2c to the server). Unary and bidirectional
 * streaming calls, status codes, messages and trailers end to end, streams sharing one server
 * connection, and an HTTP/1.1 client of the same backend.
 */
class GrpcProxyTest {
    private GrpcThroughTandem grpc;
    private GrpcServer server;
    private LoadBalancer lb;
    private ManagedChannel client;

    @BeforeEach
    void start() {
        grpc = GrpcThroughTandem.start(UnaryOperator.identity(), UnaryOperator.identity());
        server = grpc.server;
        lb = grpc.lb;
        client = grpc.client;
    }

    @AfterEach
    void stop() {
        grpc.close();
    }

    /** The client channel with the trailers of its calls captured into {@code trailers}. */
    private Channel capturing(AtomicReference<Metadata> trailers) {
        return ClientInterceptors.intercept(
                client, MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(), trailers));
    }

    @Test
    void aUnaryCallGetsItsAnswerAndTheServersTrailers() {
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        String answer = ClientCalls.blockingUnaryCall(capturing(trailers), GrpcServer.SAY, options(), "bob");
        assertEquals("hello bob, from g1", answer);
        assertEquals("g1", trailers.get().get(GrpcServer.SERVED_BY), "the server's custom trailer");
    }

    @Test
    void aFailedCallKeepsItsStatusMessageAndTrailers() {
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        StatusRuntimeException e = assertThrows(
                StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(capturing(trailers), GrpcServer.FAIL, options(), "thing"));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        assertEquals("no thing", e.getStatus().getDescription());
        assertEquals("g1", trailers.get().get(GrpcServer.SERVED_BY));
    }

    @Test
    void aBidirectionalStreamIsAnsweredMessageByMessage() throws Exception {
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        Chat chat = GrpcThroughTandem.chat(capturing(trailers));
        StreamObserver<String> requests = chat.requests();
        BlockingQueue<String> answers = chat.answers();
        CompletableFuture<Status> ended = chat.ended();
        // Each answer comes before the next message is sent: nothing waits for the stream's end.
        for (String m : List.of("one", "two", "three")) {
            requests.onNext(m);
            assertEquals(m.toUpperCase(), answers.poll(DEADLINE_SECONDS, TimeUnit.SECONDS), "the answer to " + m);
        }
        requests.onCompleted();
        assertEquals("bye", answers.poll(DEADLINE_SECONDS, TimeUnit.SECONDS));
        assertEquals(
                Status.Code.OK, ended.get(DEADLINE_SECONDS, TimeUnit.SECONDS).getCode());
        assertEquals("g1", trailers.get().get(GrpcServer.SERVED_BY));
    }

    @Test
    void concurrentCallsShareOneServerConnection() throws Exception {
        assertEquals("hello first, from g1", ClientCalls.blockingUnaryCall(client, GrpcServer.SAY, options(), "first"));
        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String name = "c" + i;
            calls.add(CompletableFuture.supplyAsync(
                    () -> ClientCalls.blockingUnaryCall(client, GrpcServer.SAY, options(), name)));
        }
        for (int i = 0; i < calls.size(); i++) {
            assertEquals("hello c" + i + ", from g1", calls.get(i).get(DEADLINE_SECONDS, TimeUnit.SECONDS));
        }
        assertEquals(51, server.calls());
        assertEquals(1, server.connections(), "one event loop: every stream on its one connection");
    }

    @Test
    void anHttp11ClientGetsTheResponseWithItsTrailersInTheLastChunk() throws Exception {
        byte[] message = "bob".getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(new byte[] {0, 0, 0, 0, (byte) message.length}); // gRPC framing: uncompressed, length
        body.write(message);
        String response;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", lb.address("fe").getPort()), 5000);
            s.setSoTimeout(10_000);
            String head = "POST /test.Echo/Say HTTP/1.1\r\nHost: test\r\nContent-Type: application/grpc\r\n"
                    + "TE: trailers\r\nConnection: close\r\nContent-Length: " + body.size() + "\r\n\r\n";
            s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(body.toByteArray());
            InputStream in = s.getInputStream();
            response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
        assertTrue(response.startsWith("HTTP/1.1 200"), response);
        assertTrue(response.toLowerCase().contains("transfer-encoding: chunked"), response);
        assertTrue(response.contains("hello bob, from g1"), response);
        String afterLastChunk =
                response.substring(response.lastIndexOf("\r\n0\r\n") + 5).toLowerCase();
        assertTrue(afterLastChunk.contains("grpc-status: 0\r\n"), "trailers after the last chunk: " + response);
        assertTrue(afterLastChunk.contains("x-served-by: g1\r\n"), response);
        assertTrue(afterLastChunk.endsWith("\r\n\r\n"), response);
    }
}
