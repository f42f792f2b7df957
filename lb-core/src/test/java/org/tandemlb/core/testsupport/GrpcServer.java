package org.tandemlb.core.testsupport;

import io.grpc.Attributes;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLException;

/**
 * A real gRPC server (grpc-java over its own shaded Netty) on 127.0.0.1, port 0, with a test
 * service {@code test.Echo} whose messages are UTF-8 strings (a {@link MethodDescriptor} with a
 * string marshaller: real gRPC on the wire without generated classes), and the standard health
 * service {@code grpc.health.v1.Health}.
 *
 * <ul>
 *   <li>{@link #SAY} (unary): answers {@code hello <name>, from <server>}; the trailers carry
 *       {@code x-served-by: <server>} besides {@code grpc-status: 0}.
 *   <li>{@link #FAIL} (unary): fails with {@code NOT_FOUND} and the message {@code no <name>},
 *       with the same custom trailer.
 *   <li>{@link #CHAT} (bidirectional streaming): answers each message upper-cased as it comes,
 *       then, when the client half-closes, {@code bye} and ends.
 * </ul>
 */
public final class GrpcServer implements AutoCloseable {
    /** The strings gRPC carries here: UTF-8 bytes. */
    public static final MethodDescriptor.Marshaller<String> STRING = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    public static final MethodDescriptor<String, String> SAY = method("Say", MethodDescriptor.MethodType.UNARY);
    public static final MethodDescriptor<String, String> FAIL = method("Fail", MethodDescriptor.MethodType.UNARY);
    public static final MethodDescriptor<String, String> CHAT =
            method("Chat", MethodDescriptor.MethodType.BIDI_STREAMING);

    /** The custom trailer every call of the test service ends with. */
    public static final Metadata.Key<String> SERVED_BY =
            Metadata.Key.of("x-served-by", Metadata.ASCII_STRING_MARSHALLER);

    private final String name;
    private final Server server;
    private final HealthStatusManager health = new HealthStatusManager();
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();

    private GrpcServer(String name, int port, Issued tls, UnaryOperator<NettyServerBuilder> options)
            throws IOException {
        this.name = name;
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(ServerInterceptors.intercept(echo(), new TrailerAdder()))
                .addService(health.getHealthService())
                .addTransportFilter(new ServerTransportFilter() {
                    @Override
                    public Attributes transportReady(Attributes attributes) {
                        connections.incrementAndGet();
                        return attributes;
                    }
                });
        if (tls != null) {
            try {
                b.sslContext(GrpcSslContexts.forServer(
                                tls.chain().toFile(), tls.key().toFile())
                        .build());
            } catch (SSLException e) {
                throw new IOException(e);
            }
        }
        this.server = options.apply(b).build().start();
    }

    /** A started plain-text (h2c) server called {@code name}. */
    public static GrpcServer start(String name) {
        return start(name, 0, null);
    }

    /**
     * A started server called {@code name} on {@code port} (0: any), with TLS ({@code tls} the
     * certificate, ALPN h2) or without (null).
     */
    public static GrpcServer start(String name, int port, TestCertificates.Issued tls) {
        try {
            return new GrpcServer(name, port, tls == null ? null : new Issued(tls), UnaryOperator.identity());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A started plain-text (h2c) server called {@code name}, with more settings of grpc-java's
     * server ({@code maxConcurrentCallsPerConnection}, {@code maxConnectionAge}, ...).
     */
    public static GrpcServer start(String name, UnaryOperator<NettyServerBuilder> options) {
        try {
            return new GrpcServer(name, 0, null, options);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Issued(java.nio.file.Path chain, java.nio.file.Path key) {
        Issued(TestCertificates.Issued i) {
            this(i.chain(), i.key());
        }
    }

    /** The port it listens on. */
    public int port() {
        return server.getPort();
    }

    /** {@code 127.0.0.1:port}. */
    public String hostPort() {
        return "127.0.0.1:" + port();
    }

    /** Calls of the test service so far. */
    public int calls() {
        return calls.get();
    }

    /** Connections (HTTP/2 transports) accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** Sets what the health service answers for {@code service} ("" for the server as a whole). */
    public void health(String service, ServingStatus status) {
        health.setStatus(service, status);
    }

    /** Stops at once: open calls fail, the port closes. */
    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<String, String>newBuilder()
                .setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Echo", name))
                .setRequestMarshaller(STRING)
                .setResponseMarshaller(STRING)
                .build();
    }

    private ServerServiceDefinition echo() {
        return ServerServiceDefinition.builder("test.Echo")
                .addMethod(SAY, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> {
                    calls.incrementAndGet();
                    out.onNext("hello " + req + ", from " + name);
                    out.onCompleted();
                }))
                .addMethod(FAIL, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> {
                    calls.incrementAndGet();
                    out.onError(Status.NOT_FOUND.withDescription("no " + req).asRuntimeException());
                }))
                .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall(this::chat))
                .build();
    }

    private StreamObserver<String> chat(StreamObserver<String> out) {
        calls.incrementAndGet();
        return new StreamObserver<String>() {
            @Override
            public void onNext(String msg) {
                out.onNext(msg.toUpperCase(Locale.ROOT));
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {
                out.onNext("bye");
                out.onCompleted();
            }
        };
    }

    /** Adds {@link #SERVED_BY} to the trailers of every call. */
    private final class TrailerAdder implements ServerInterceptor {
        @Override
        public <Q, A> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
            return next.startCall(
                    new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                        @Override
                        public void close(Status status, Metadata trailers) {
                            trailers.put(SERVED_BY, name);
                            super.close(status, trailers);
                        }
                    },
                    headers);
        }
    }
}
