package org.tandemlb.core.health;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.ReferenceCountUtil;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The {@code mysql} check, for MySQL and MariaDB: speaks the client/server protocol.
 *
 * <p>It reads the server's greeting (Protocol::HandshakeV10). An ERR packet instead (error 1129,
 * "host is blocked", or 1130, "host is not allowed to connect") fails the check. Without a
 * {@code user} the check passes on a greeting and closes the connection: the server then counts
 * an aborted connection, and from a client host other than localhost one more error towards
 * {@code max_connect_errors} (as with HAProxy's {@code mysql-check} without a user).
 *
 * <p>With a {@code user} (an account without a password), it logs in properly: a
 * HandshakeResponse41 with capabilities {@code CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION |
 * CLIENT_LONG_PASSWORD | CLIENT_PLUGIN_AUTH} (the last ones only when the server has them) and
 * an empty auth response; an AuthSwitchRequest ({@code 0xFE}) is answered with empty auth data,
 * a caching_sha2_password "fast auth success" ({@code 0x01 0x03}) is waited through. On OK the
 * check passes and sends COM_QUIT, and the server closes the connection: a complete, successful
 * session, which resets the host's error count instead of adding to it, so checks never trip
 * {@code max_connect_errors}. An ERR packet (an unknown user, a wrong password) fails the check.
 * The message is the server's version, or its error.
 *
 * <p>Protocol references: MySQL's "Client/Server Protocol" documentation, sections
 * Protocol::Packet (a 3-byte little-endian length, then a sequence id), Protocol::HandshakeV10,
 * Protocol::HandshakeResponse41, Protocol::AuthSwitchRequest, OK_Packet, ERR_Packet and COM_QUIT.
 */
final class MysqlCheck implements Check {
    static final int CLIENT_LONG_PASSWORD = 0x00000001;
    static final int CLIENT_PROTOCOL_41 = 0x00000200;
    static final int CLIENT_SECURE_CONNECTION = 0x00008000;
    static final int CLIENT_PLUGIN_AUTH = 0x00080000;
    /** utf8_general_ci: any charset would do, no text is exchanged. */
    static final int CHARSET = 33;

    static final int MAX_PACKET = 16 * 1024 * 1024;
    /** A greeting or an ERR packet is at most a few hundred bytes; this bounds what a stray server can make us buffer. */
    static final int MAX_FRAME = 64 * 1024;

    private final Connector connector;
    private final String user;
    private final Duration timeout;

    /**
     * @param user    a password-less account to log in with, or null to read the greeting only
     * @param timeout how long to wait for the server to close after COM_QUIT
     */
    MysqlCheck(Connector connector, String user, Duration timeout) {
        this.connector = connector;
        this.user = user;
        this.timeout = timeout;
    }

    @Override
    public String type() {
        return "mysql";
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
                                        new LengthFieldBasedFrameDecoder(
                                                ByteOrder.LITTLE_ENDIAN, MAX_FRAME, 0, 3, 1, 0, true),
                                        probe);
                    }
                },
                b -> {});
        f.addListener(x -> {
            if (!x.isSuccess()) {
                probe.finish(Outcome.failed(Connector.describe(x.cause())), false);
            }
        });
        return () -> {
            probe.finished = true;
            f.channel().close();
        };
    }

    private enum Phase {
        GREETING,
        LOGIN,
        QUIT
    }

    /** One conversation; all on the event loop. */
    private final class Probe extends ChannelInboundHandlerAdapter {
        private final Consumer<Outcome> done;
        private Phase phase = Phase.GREETING;
        private boolean finished;
        private String version = "";
        private Channel channel;

        Probe(Consumer<Outcome> done) {
            this.done = done;
        }

        /** Reports the outcome; closes the connection unless the server is to close it (after COM_QUIT). */
        void finish(Outcome outcome, boolean serverCloses) {
            if (finished) {
                return;
            }
            finished = true;
            if (channel != null && !serverCloses) {
                channel.close();
            }
            done.accept(outcome);
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            channel = ctx.channel();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            try {
                if (phase == Phase.QUIT || finished) {
                    return;
                }
                int length = frame.getUnsignedMediumLE(frame.readerIndex());
                int sequence = frame.getUnsignedByte(frame.readerIndex() + 3);
                ByteBuf payload = frame.slice(frame.readerIndex() + 4, length);
                if (phase == Phase.GREETING) {
                    greeting(ctx, payload, sequence);
                } else {
                    loginAnswer(ctx, payload, sequence);
                }
            } catch (IndexOutOfBoundsException e) {
                finish(Outcome.failed("malformed packet from the server"), false);
            } finally {
                ReferenceCountUtil.release(frame);
            }
        }

        private void greeting(ChannelHandlerContext ctx, ByteBuf p, int sequence) {
            int first = p.readUnsignedByte();
            if (first == 0xFF) {
                finish(Outcome.failed(error(p)), false);
                return;
            }
            if (first != 10) {
                finish(Outcome.failed("protocol version " + first + ", not 10"), false);
                return;
            }
            version = cString(p);
            if (version.startsWith("5.5.5-")) {
                version = version.substring("5.5.5-".length()); // MariaDB's prefix for old replication clients
            }
            p.skipBytes(4 + 8 + 1); // connection id, auth-plugin-data-part-1, filler
            int capabilities = p.readUnsignedShortLE();
            String plugin = "mysql_native_password";
            if (p.isReadable()) {
                p.skipBytes(1 + 2); // character set, status flags
                capabilities |= p.readUnsignedShortLE() << 16;
                int authDataLength = p.readUnsignedByte();
                p.skipBytes(10); // reserved (MariaDB keeps its extended capabilities here)
                if ((capabilities & CLIENT_SECURE_CONNECTION) != 0) {
                    p.skipBytes(Math.min(p.readableBytes(), Math.max(13, authDataLength - 8)));
                }
                if ((capabilities & CLIENT_PLUGIN_AUTH) != 0 && p.isReadable()) {
                    plugin = cString(p);
                }
            }
            if (user == null) {
                finish(Outcome.passed(version), false);
                return;
            }
            if ((capabilities & CLIENT_PROTOCOL_41) == 0) {
                finish(Outcome.failed(version + " does not speak protocol 4.1"), false);
                return;
            }
            int flags = CLIENT_PROTOCOL_41
                    | (capabilities & (CLIENT_LONG_PASSWORD | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH));
            ByteBuf r = ctx.alloc().buffer();
            r.writeMediumLE(0).writeByte(sequence + 1);
            r.writeIntLE(flags).writeIntLE(MAX_PACKET).writeByte(CHARSET).writeZero(23);
            r.writeBytes(user.getBytes(StandardCharsets.UTF_8)).writeByte(0);
            if ((flags & CLIENT_SECURE_CONNECTION) != 0) {
                r.writeByte(0); // an auth response of length 0: no password
            } else {
                r.writeByte(0); // an empty NUL-terminated auth response
            }
            if ((flags & CLIENT_PLUGIN_AUTH) != 0) {
                r.writeBytes(plugin.getBytes(StandardCharsets.US_ASCII)).writeByte(0);
            }
            r.setMediumLE(0, r.readableBytes() - 4);
            phase = Phase.LOGIN;
            ctx.writeAndFlush(r).addListener(w -> {
                if (!w.isSuccess()) {
                    finish(Outcome.failed("cannot send the login: " + Connector.describe(w.cause())), false);
                }
            });
        }

        private void loginAnswer(ChannelHandlerContext ctx, ByteBuf p, int sequence) {
            int first = p.readUnsignedByte();
            switch (first) {
                case 0x00 -> {
                    // OK: logged in. COM_QUIT (sequence 0, a new command) and let the server close.
                    phase = Phase.QUIT;
                    ByteBuf quit =
                            ctx.alloc().buffer(5).writeMediumLE(1).writeByte(0).writeByte(0x01);
                    ctx.writeAndFlush(quit);
                    Channel ch = ctx.channel();
                    ch.eventLoop()
                            .schedule(
                                    () -> {
                                        ch.close();
                                    },
                                    timeout.toNanos(),
                                    TimeUnit.NANOSECONDS);
                    finish(Outcome.passed(version), true);
                }
                case 0xFF -> finish(Outcome.failed(error(p) + " (user '" + user + "')"), false);
                case 0xFE -> {
                    // AuthSwitchRequest: the account uses another plugin; with no password its
                    // answer is empty whatever the plugin.
                    ByteBuf empty = ctx.alloc().buffer(4).writeMediumLE(0).writeByte(sequence + 1);
                    ctx.writeAndFlush(empty);
                }
                case 0x01 -> {
                    // AuthMoreData: caching_sha2_password says 3 (fast auth success, OK follows)
                    // or 4 (send the password in full, over TLS or RSA: not for a password-less check).
                    if (!(p.isReadable() && p.getUnsignedByte(p.readerIndex()) == 3)) {
                        finish(
                                Outcome.failed("the server wants full authentication for user '" + user
                                        + "': the check user must have no password"),
                                false);
                    }
                }
                default ->
                    finish(Outcome.failed("unexpected packet 0x" + Integer.toHexString(first) + " at login"), false);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            finish(
                    Outcome.failed(
                            phase == Phase.GREETING
                                    ? "connection closed before the greeting"
                                    : "connection closed during the login"),
                    false);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            finish(Outcome.failed(Connector.describe(cause)), false);
            ctx.close();
        }
    }

    /** The text of an ERR packet whose 0xFF was read: {@code error 1129: Host '...' is blocked ...}. */
    static String error(ByteBuf p) {
        int code = p.readUnsignedShortLE();
        if (p.isReadable() && p.getByte(p.readerIndex()) == '#') {
            p.skipBytes(Math.min(6, p.readableBytes())); // '#' and the SQL state
        }
        return "error " + code + ": " + p.toString(StandardCharsets.UTF_8);
    }

    /** Reads a NUL-terminated string (or the rest, when the NUL is missing). */
    static String cString(ByteBuf p) {
        int nul = p.indexOf(p.readerIndex(), p.writerIndex(), (byte) 0);
        int end = nul < 0 ? p.writerIndex() : nul;
        String s = p.toString(p.readerIndex(), end - p.readerIndex(), StandardCharsets.UTF_8);
        p.readerIndex(nul < 0 ? end : end + 1);
        return s;
    }
}
