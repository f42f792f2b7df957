package org.tandemlb.core.testsupport;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.Http2Config;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.config.Timeouts;

/**
 * A load balancer in a JVM of its own, so that a test can bound its memory ({@code -Xmx}) and
 * measure it. Arguments: the mode ({@code http}, {@code tcp}, or {@code h2c}: http with h2c on)
 * and the servers' {@code host:port}. Prints
 * {@code LISTENING <port>}, then answers {@code memory} on stdin with
 * {@code MEMORY <peak heap bytes> <netty direct bytes>}, and exits at end of input.
 */
public final class ProxyMain {
    /** The system property with the frontend's {@code timeouts.http_request} (ISO-8601; zero: the default). */
    static final String HTTP_REQUEST = "proxy.httpRequest";

    private ProxyMain() {}

    public static void main(String[] args) throws Exception {
        boolean h2c = args[0].equals("h2c");
        Mode mode = h2c ? Mode.HTTP : Mode.valueOf(args[0].toUpperCase(java.util.Locale.ROOT));
        try (LoadBalancer lb = Proxies.start(
                mode,
                b -> {
                    for (int i = 1; i < args.length; i++) {
                        b.server(ServerConfig.builder("s" + i, args[i]).build());
                    }
                    return b;
                },
                f -> {
                    Duration httpRequest = Duration.parse(System.getProperty(HTTP_REQUEST, "PT0S"));
                    if (!httpRequest.isZero()) {
                        f.timeouts(Timeouts.DEFAULTS.toBuilder()
                                .httpRequest(httpRequest)
                                .build());
                    }
                    return h2c ? f.http2(Http2Config.DEFAULTS.withH2c(true)) : f;
                },
                1)) {
            System.out.println("LISTENING " + lb.address("fe").getPort());
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.equals("memory")) {
                    long heapPeak = 0;
                    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                        if (pool.getType() == MemoryType.HEAP) {
                            heapPeak += pool.getPeakUsage().getUsed();
                        }
                    }
                    long direct = Math.max(
                            PlatformDependent.usedDirectMemory(),
                            PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory());
                    System.out.println("MEMORY " + heapPeak + " " + direct);
                    System.out.flush();
                }
            }
        }
    }
}
