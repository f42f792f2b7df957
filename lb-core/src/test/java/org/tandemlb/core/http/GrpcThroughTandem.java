package org.tandemlb.core.http;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Http2Config;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.config.ServerProtocol;
import org.tandemlb.core.testsupport.GrpcServer;
import org.tandemlb.core.testsupport.Proxies;

/**
 * The gRPC tests' setup: a real grpc-java server {@code g1}, Tandem in front of it (an h2c
 * frontend, a {@code protocol: h2} backend, one event loop) and a grpc-java client of Tandem;
 * closed in the reverse order.
 */
final class GrpcThroughTandem implements AutoCloseable {
    /** How long a call or an answer may take. */
    static final long DEADLINE_SECONDS = 10;

    final GrpcServer server;
    final LoadBalancer lb;
    final ManagedChannel client;

    private GrpcThroughTandem(GrpcServer server, LoadBalancer lb) {
        this.server = server;
        this.lb = lb;
        this.client = NettyChannelBuilder.forAddress(
                        "127.0.0.1", lb.address("fe").getPort())
                .usePlaintext()
                .build();
    }

    /**
     * Starts the three, the server with {@code serverOptions} and the backend as {@code backend}
     * tunes it further.
     */
    static GrpcThroughTandem start(
            UnaryOperator<NettyServerBuilder> serverOptions, UnaryOperator<BackendConfig.Builder> backend) {
        GrpcServer server = GrpcServer.start("g1", serverOptions);
        LoadBalancer lb = Proxies.start(
                Mode.HTTP,
                b -> backend.apply(b.protocol(ServerProtocol.H2)
                        .server(ServerConfig.builder("g1", server.hostPort()).build())),
                f -> f.http2(Http2Config.DEFAULTS.withH2c(true)),
                1);
        return new GrpcThroughTandem(server, lb);
    }

    /** A call's options: the deadline. */
    static CallOptions options() {
        return CallOptions.DEFAULT.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    /** An open bidirectional call: its answers and its end. */
    record Chat(StreamObserver<String> requests, BlockingQueue<String> answers, CompletableFuture<Status> ended) {}

    /** Opens a {@link GrpcServer#CHAT} call on {@code channel}. */
    static Chat chat(Channel channel) {
        BlockingQueue<String> answers = new LinkedBlockingQueue<>();
        CompletableFuture<Status> ended = new CompletableFuture<>();
        StreamObserver<String> requests =
                ClientCalls.asyncBidiStreamingCall(channel.newCall(GrpcServer.CHAT, options()), new StreamObserver<>() {
                    @Override
                    public void onNext(String value) {
                        answers.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        ended.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        ended.complete(Status.OK);
                    }
                });
        return new Chat(requests, answers, ended);
    }

    @Override
    public void close() {
        try {
            client.shutdownNow().awaitTermination(DEADLINE_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lb.close();
            server.close();
        }
    }
}
