package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Cidr;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.Http2Config;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.RouteConfig;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.testsupport.TestBackends;

/**
 * A route's {@code source} over real sockets: clients on two loopback addresses reach different
 * backends over HTTP/1.1 and HTTP/2, one outside every source falls through to the default
 * backend (no 403, unlike {@code allow_from}), and with {@code accept_proxy} the PROXY header's
 * address is the one matched.
 */
class RouteSourceTest {
    @RegisterExtension
    final TestBackends backends = new TestBackends();

    /** Backends one, two and web; routes to one from 127.0.0.1, to two from 10.0.0.0/8 and 127.0.0.2. */
    private LoadBalancer start(boolean acceptProxy) {
        TestBackend one = backends.start("one");
        TestBackend two = backends.start("two");
        TestBackend web = backends.start("web");
        LoadBalancerConfig cfg = LoadBalancerConfig.builder()
                .backend(BackendConfig.builder("one", Mode.HTTP)
                        .server(ServerConfig.builder("one", one.hostPort()).build())
                        .build())
                .backend(BackendConfig.builder("two", Mode.HTTP)
                        .server(ServerConfig.builder("two", two.hostPort()).build())
                        .build())
                .backend(BackendConfig.builder("web", Mode.HTTP)
                        .server(ServerConfig.builder("web", web.hostPort()).build())
                        .build())
                .frontend(FrontendConfig.builder("fe", Mode.HTTP)
                        .bind("127.0.0.1:0")
                        .defaultBackend("web")
                        .acceptProxy(acceptProxy)
                        .route(RouteConfig.builder()
                                .source(Cidr.parse("127.0.0.1"))
                                .backend("one")
                                .build())
                        .route(RouteConfig.builder()
                                .source(Cidr.parse("10.0.0.0/8"))
                                .source(Cidr.parse("127.0.0.2/32"))
                                .backend("two")
                                .build())
                        .http2(Http2Config.DEFAULTS.withH2c(true))
                        .build())
                .build();
        LoadBalancer lb = LoadBalancer.builder(cfg).threads(1).build();
        lb.start();
        return lb;
    }

    @Test
    void clientsOnTwoAddressesReachTwoBackendsAndAThirdTheDefault() throws Exception {
        try (LoadBalancer lb = start(false)) {
            assertEquals("one\n", get(lb, "127.0.0.1"));
            assertEquals("two\n", get(lb, "127.0.0.2"));
            assertEquals("web\n", get(lb, "127.0.0.3"), "outside every source: the default backend");

            String url = "http://127.0.0.1:" + lb.address("fe").getPort() + "/";
            for (String[] c : new String[][] {{"127.0.0.1", "one"}, {"127.0.0.2", "two"}, {"127.0.0.3", "web"}}) {
                assertEquals(
                        "2 " + c[1],
                        Http2ClientTest.curl(
                                "--http2-prior-knowledge",
                                "--interface",
                                c[0],
                                "-o",
                                "/dev/null",
                                "-w",
                                "%{http_version} %header{x-backend}",
                                url),
                        "HTTP/2 from " + c[0]);
            }
        }
    }

    @Test
    void withAcceptProxyTheProxyHeadersAddressIsMatched() throws Exception {
        try (LoadBalancer lb = start(true)) {
            for (String[] c : new String[][] {{"10.1.2.3", "two"}, {"127.0.0.1", "one"}, {"192.0.2.1", "web"}}) {
                try (RawHttp h = new RawHttp(lb.address("fe"))) {
                    RawHttp.Response r = h.send("PROXY TCP4 " + c[0] + " 127.0.0.1 40000 80\r\n")
                            .get("/");
                    assertEquals(200, r.status(), c[0]);
                    assertEquals(c[1] + "\n", r.body(), "a client at " + c[0] + " by its PROXY header");
                }
            }
        }
    }

    private static String get(LoadBalancer lb, String from) throws Exception {
        try (RawHttp h = new RawHttp(lb.address("fe"), InetAddress.getByName(from))) {
            RawHttp.Response r = h.get("/");
            assertEquals(200, r.status(), from);
            return r.body();
        }
    }
}
