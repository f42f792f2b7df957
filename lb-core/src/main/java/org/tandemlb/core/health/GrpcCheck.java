package org.tandemlb.core.health;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The {@code grpc} check: calls {@code grpc.health.v1.Health/Check} with the configured
 * {@code service} over HTTP/2 (h2c, or h2 over the backend's TLS as its live traffic), one call
 * per connection, and passes when the call ends with {@code grpc-status} 0 and the answer's
 * status is {@code SERVING}. The message is the serving status ({@code SERVING},
 * {@code NOT_SERVING}, {@code SERVICE_UNKNOWN}, ...) or the call's failure
 * ({@code grpc-status 5: unknown service}, {@code HTTP status 404}).
 *
 * <p>The two messages are protocol buffers written and read here, they are that small:
 * {@code HealthCheckRequest { string service = 1; }} and {@code HealthCheckResponse {
 * ServingStatus status = 1; }}, each behind gRPC's 5-byte frame (not compressed, length).
 */
final class GrpcCheck implements Check {
    /** The answer read at most: a health answer is a few bytes. */
    static final int ANSWER_LIMIT = 4096;

    private static final String PATH = "/grpc.health.v1.Health/Check";
    private static final String[] STATUS_NAMES = {"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"};

    private final Connector connector;
    private final byte[] request;
    private final String authority;

    GrpcCheck(Connector connector, String service, String authority) {
        this.connector = connector;
        this.request = request(service);
        this.authority = authority;
    }

    @Override
    public String type() {
        return "grpc";
    }

    /** The framed {@code HealthCheckRequest} for {@code service}. */
    static byte[] request(String service) {
        byte[] name = service.getBytes(StandardCharsets.UTF_8);
        byte[] length = varint(name.length);
        int message = name.length == 0 ? 0 : 1 + length.length + name.length;
        byte[] out = new byte[5 + message];
        out[1] = (byte) (message >>> 24);
        out[2] = (byte) (message >>> 16);
        out[3] = (byte) (message >>> 8);
        out[4] = (byte) message;
        if (message > 0) {
            out[5] = 0x0a; // field 1, length-delimited
            System.arraycopy(length, 0, out, 6, length.length);
            System.arraycopy(name, 0, out, 6 + length.length, name.length);
        }
        return out;
    }

    private static byte[] varint(int value) {
        byte[] buf = new byte[5];
        int n = 0;
        int v = value;
        while ((v & ~0x7f) != 0) {
            buf[n++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        buf[n++] = (byte) v;
        byte[] out = new byte[n];
        System.arraycopy(buf, 0, out, 0, n);
        return out;
    }

    /**
     * The serving status in a framed {@code HealthCheckResponse}: 0 (UNKNOWN) when the field is
     * absent, -1 when the bytes are not such an answer. Fields other than {@code status} are skipped.
     */
    static int servingStatus(ByteBuf answer) {
        if (answer.readableBytes() < 5 || answer.getByte(answer.readerIndex()) != 0) {
            return -1; // too short, or compressed (never asked for)
        }
        long length = answer.getUnsignedInt(answer.readerIndex() + 1);
        if (length != answer.readableBytes() - 5) {
            return -1;
        }
        ByteBuf m = answer.slice(answer.readerIndex() + 5, (int) length);
        int status = 0;
        while (m.isReadable()) {
            long key = readVarint(m);
            if (key < 0) {
                return -1;
            }
            int wireType = (int) (key & 7);
            long field = key >>> 3;
            if (wireType == 0) {
                long value = readVarint(m);
                if (value < 0) {
                    return -1;
                }
                if (field == 1) {
                    status = (int) Math.min(value, Integer.MAX_VALUE);
                }
            } else if (wireType == 2) {
                long len = readVarint(m);
                if (len < 0 || len > m.readableBytes()) {
                    return -1;
                }
                m.skipBytes((int) len);
            } else if (wireType == 5 && m.readableBytes() >= 4) {
                m.skipBytes(4);
            } else if (wireType == 1 && m.readableBytes() >= 8) {
                m.skipBytes(8);
            } else {
                return -1;
            }
        }
        return status;
    }

    /** A varint of at most 9 bytes (values below 2^63), or -1 when truncated or longer. */
    private static long readVarint(ByteBuf b) {
        long value = 0;
        for (int shift = 0; shift < 63; shift += 7) {
            if (!b.isReadable()) {
                return -1;
            }
            byte x = b.readByte();
            value |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return value;
            }
        }
        return -1;
    }

    static String statusName(int status) {
        return status >= 0 && status < STATUS_NAMES.length ? STATUS_NAMES[status] : "status " + status;
    }

    @Override
    public CheckScheduler.Cancellable start(Consumer<Outcome> done) {
        Probe probe = new Probe(done);
        ChannelFuture f = connector.connect(
                new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(
                                        Http2FrameCodecBuilder.forClient()
                                                .initialSettings(Http2Settings.defaultSettings()
                                                        .pushEnabled(false))
                                                .build(),
                                        probe);
                    }
                },
                b -> {});
        f.addListener(x -> {
            if (!x.isSuccess()) {
                probe.finish(Outcome.failed(Connector.describe(x.cause())));
                return;
            }
            probe.call(f.channel());
        });
        return () -> probe.cancel(f.channel());
    }

    /** One call: its request, and the answer read as it comes; all on the event loop. */
    private final class Probe extends Http2ChannelDuplexHandler {
        private final ProbeEnd end;
        private boolean headRead;

        Probe(Consumer<Outcome> done) {
            this.end = new ProbeEnd(done);
        }

        void call(Channel ch) {
            Http2FrameStream stream = newStream();
            Http2Headers h = new DefaultHttp2Headers()
                    .method("POST")
                    .scheme(connector.tls() ? "https" : "http")
                    .authority(authority)
                    .path(PATH)
                    .add("content-type", "application/grpc")
                    .add("te", "trailers")
                    .add("user-agent", "Tandem health check");
            ch.write(new DefaultHttp2HeadersFrame(h, false).stream(stream));
            ch.writeAndFlush(new DefaultHttp2DataFrame(
                                    ch.alloc().buffer(request.length).writeBytes(request), true)
                            .stream(stream))
                    .addListener(w -> {
                        if (!w.isSuccess()) {
                            finish(Outcome.failed("cannot send the call: " + Connector.describe(w.cause())));
                        }
                    });
        }

        void cancel(Channel ch) {
            end.cancel(ch);
        }

        void finish(Outcome outcome) {
            end.finish(outcome);
        }

        @Override
        protected void handlerAdded0(ChannelHandlerContext ctx) {
            end.attach(ctx.channel());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (end.finished()) {
                    return;
                }
                if (msg instanceof Http2HeadersFrame hf) {
                    headers(hf.headers(), hf.isEndStream());
                } else if (msg instanceof Http2DataFrame df) {
                    data(ctx, df.content());
                    if (df.isEndStream()) {
                        finish(Outcome.failed("the answer ended without grpc-status"));
                    }
                } else if (msg instanceof Http2ResetFrame rst) {
                    finish(Outcome.failed("the call was reset (" + rst.errorCode() + ")"));
                } else if (msg instanceof Http2GoAwayFrame) {
                    finish(Outcome.failed("the server sent GOAWAY"));
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void headers(Http2Headers h, boolean endOfStream) {
            if (!headRead) {
                headRead = true;
                CharSequence status = h.status();
                if (status == null || !"200".contentEquals(status)) {
                    finish(Outcome.failed("HTTP status " + status));
                    return;
                }
                if (!endOfStream) {
                    return;
                }
            }
            // The trailers (or a trailers-only answer): the call's status, then the answer's.
            CharSequence grpcStatus = h.get("grpc-status");
            if (grpcStatus == null) {
                finish(Outcome.failed("the answer ended without grpc-status"));
            } else if (!"0".contentEquals(grpcStatus)) {
                CharSequence message = h.get("grpc-message");
                finish(Outcome.failed("grpc-status " + grpcStatus + (message == null ? "" : ": " + message)));
            } else {
                int serving = end.gathered() == null ? -1 : servingStatus(end.gathered());
                if (serving < 0) {
                    finish(Outcome.failed("not a health answer"));
                } else {
                    finish(new Outcome(serving == 1, statusName(serving)));
                }
            }
        }

        private void data(ChannelHandlerContext ctx, ByteBuf content) {
            ByteBuf answer = end.gathering(ctx.alloc());
            if (answer.readableBytes() + content.readableBytes() > ANSWER_LIMIT) {
                finish(Outcome.failed("the answer is longer than " + ANSWER_LIMIT + " bytes"));
                return;
            }
            answer.writeBytes(content, content.readerIndex(), content.readableBytes());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            finish(Outcome.failed("connection closed before the answer"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            finish(Outcome.failed(Connector.describe(cause)));
        }
    }
}
