package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.ChildProcess;
import org.tandemlb.core.testsupport.Proxies;

/**
 * WebSocket conformance through the proxy (docs/behaviour.md, WebSockets): the Autobahn|Testsuite's
 * fuzzing client (the one its Maven plugin runs, in Jython) runs its cases against an RFC 6455
 * echo server, once directly and once through Tandem, and no case that passes directly may do
 * worse through Tandem. Tandem relays a WebSocket's bytes after the {@code 101} untouched, so the
 * two reports must match case by case. Which close code the client sees varies from run to run
 * even directly (the echo server's close frame races its TCP close), so a case that differs runs
 * again, both ways, and counts only if it differs again.
 */
class WebSocketConformanceTest {
    /**
     * The cases: all of them (247) but the performance ones (9.*: up to 16 MiB messages, minutes
     * under Jython) and the compression ones (12.*, 13.*: the echo server does not offer
     * permessage-deflate, so both runs would only report them unimplemented).
     */
    private static final List<String> CASES = List.of("*");

    private static final List<String> EXCLUDED = List.of("9.*", "12.*", "13.*");

    private static EventLoopGroup group;
    private static Channel echo;
    private static LoadBalancer lb;

    @BeforeAll
    static void start() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        WebSocketServerProtocolConfig ws = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/")
                .maxFramePayloadLength(16 * 1024 * 1024)
                .checkStartsWith(true)
                .build();
        echo = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec());
                        ch.pipeline().addLast(new HttpObjectAggregator(65536));
                        ch.pipeline().addLast(new WebSocketServerProtocolHandler(ws));
                        ch.pipeline().addLast(new Echo());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .syncUninterruptibly()
                .channel();
        InetSocketAddress at = (InetSocketAddress) echo.localAddress();
        lb = Proxies.start(
                Mode.HTTP,
                b -> b.server(ServerConfig.builder("echo", "127.0.0.1:" + at.getPort())
                        .build()),
                f -> f,
                1);
    }

    @AfterAll
    static void stop() {
        if (lb != null) {
            lb.close();
        }
        if (echo != null) {
            echo.close().syncUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully().syncUninterruptibly();
        }
    }

    /** Echoes data frames (fragments as they came); the protocol handler answers pings and closes. */
    private static final class Echo extends SimpleChannelInboundHandler<WebSocketFrame> {
        Echo() {
            super(false);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            ctx.writeAndFlush(frame);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A protocol error the suite provoked on purpose: the frame decoder has answered it
            // with a close frame and closes the connection once that is written. Closing here
            // too would race with that write; logging would only fill the test's output.
        }
    }

    @Test
    void tandemPassesEveryCaseThatPassesDirectly() throws Exception {
        int echoPort = ((InetSocketAddress) echo.localAddress()).getPort();
        // Both runs at once, each in its own JVM: Jython's start and the suite's pace dominate.
        try (ChildProcess direct = client("direct", echoPort);
                ChildProcess proxied = client("tandem", lb.address("fe").getPort())) {
            Map<String, String> d = results(direct);
            Map<String, String> t = results(proxied);
            System.out.printf("Autobahn: %d cases; direct %s; through Tandem %s%n", d.size(), tally(d), tally(t));

            assertEquals(d.keySet(), t.keySet(), "the same cases ran");
            Map<String, String> worse = worse(d, t);
            if (!worse.isEmpty()) {
                // Which close code the client sees varies from run to run even directly (the echo
                // server's close frame races its TCP close: 102-103 of 247 cases end WRONG_CODE):
                // the cases that differ run again, both ways, and must differ again to count.
                List<String> again = List.copyOf(worse.keySet());
                System.out.println("Autobahn: running again " + again + ": " + worse);
                try (ChildProcess direct2 = client("direct-again", echoPort, again);
                        ChildProcess proxied2 =
                                client("tandem-again", lb.address("fe").getPort(), again)) {
                    worse = worse(results(direct2), results(proxied2));
                }
            }
            assertTrue(worse.isEmpty(), "cases that do worse through Tandem than directly: " + worse);
            long passing =
                    d.values().stream().filter(b -> rank(b.split("/")[0]) <= 1).count();
            assertTrue(passing > d.size() * 9 / 10, "the echo server itself passes most cases: " + tally(d));
        }
    }

    /** The cases whose behavior or close behavior is worse in {@code proxied} than in {@code direct}. */
    private static Map<String, String> worse(Map<String, String> direct, Map<String, String> proxied) {
        Map<String, String> worse = new TreeMap<>();
        direct.forEach((c, behaviors) -> {
            String[] was = behaviors.split("/");
            String[] is = proxied.get(c).split("/");
            if (rank(is[0]) > rank(was[0]) || rank(is[1]) > rank(was[1])) {
                worse.put(c, behaviors + " -> " + proxied.get(c));
            }
        });
        return worse;
    }

    /** Starts the suite against {@code port}, under the report directory target/autobahn/AGENT. */
    private static ChildProcess client(String agent, int port) throws Exception {
        return client(agent, port, CASES);
    }

    /** Starts {@code cases} of the suite against {@code port}, reporting under target/autobahn/AGENT. */
    private static ChildProcess client(String agent, int port, List<String> cases) throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "autobahn", agent));
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> e.contains("autobahntestsuite")
                        || e.contains("jython-standalone")
                        || e.contains("json-simple")
                        || e.endsWith("test-classes"))
                .collect(Collectors.joining(File.pathSeparator));
        return ChildProcess.command(
                        ChildProcess.javaBinary(),
                        "-cp",
                        classPath,
                        AutobahnFuzzingClient.class.getName(),
                        agent,
                        "ws://127.0.0.1:" + port,
                        String.join(",", cases),
                        String.join(",", EXCLUDED))
                .name("autobahn-" + agent)
                .directory(dir)
                .start();
    }

    /** Each case's behavior and close behavior ({@code OK/OK}), as the suite's report says. */
    private static Map<String, String> results(ChildProcess client) {
        assertTrue(client.awaitExit(Duration.ofMinutes(10)), "the suite did not finish in 10 minutes");
        assertEquals(0, client.exitCode(), client.output());
        Map<String, String> byCase = new TreeMap<>();
        for (String line : client.lines()) {
            if (line.startsWith("CASE ")) {
                String[] f = line.split(" ");
                byCase.put(f[1], f[2] + "/" + f[3]);
            }
        }
        assertFalse(byCase.isEmpty(), "the suite ran no case: " + client.output());
        return byCase;
    }

    /**
     * How well a case went: 0 passed (or informational only), 1 passed with an accepted
     * variation ({@code NON_STRICT}), 2 anything else ({@code FAILED}, {@code WRONG_CODE},
     * {@code UNCLEAN}, ...). Through Tandem no case may rank higher than directly.
     */
    private static int rank(String behavior) {
        return switch (behavior) {
            case "OK", "INFORMATIONAL" -> 0;
            case "NON_STRICT" -> 1;
            default -> 2;
        };
    }

    private static Map<String, Long> tally(Map<String, String> byCase) {
        Map<String, Long> t = new TreeMap<>();
        byCase.values().forEach(b -> t.merge(b, 1L, Long::sum));
        return t;
    }
}
