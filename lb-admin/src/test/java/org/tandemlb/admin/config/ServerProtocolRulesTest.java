package org.tandemlb.admin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.HealthCheckConfig;
import org.tandemlb.core.config.ServerProtocol;

/**
 * A backend's {@code protocol} (HTTP/1.1 or HTTP/2 to its servers) and the {@code grpc} health
 * check: defaults, values, and the problems {@code tandem check} prints with their positions.
 */
class ServerProtocolRulesTest {
    /** A backend whose line 4 onwards is {@code more}. */
    private static String backendWith(String more) {
        return """
                backends:
                  - name: api
                    servers: [{ name: g1, address: "10.0.0.1:50051" }]
                %s""".formatted(more.indent(4));
    }

    private static BackendConfig backend(String yaml) throws ConfigException {
        return ConfigLoader.parse("t.yaml", yaml, Map.of()).loadBalancer().backend("api");
    }

    private static List<String> problems(String yaml) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("t.yaml", yaml, Map.of()));
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void http1IsTheDefaultAndH2IsRead() throws Exception {
        assertEquals(ServerProtocol.HTTP1, backend(backendWith("")).protocol());
        assertEquals(
                ServerProtocol.HTTP1, backend(backendWith("protocol: http1")).protocol());
        assertEquals(ServerProtocol.H2, backend(backendWith("protocol: h2")).protocol());
    }

    @Test
    void anUnknownProtocolIsReportedAtItsValue() {
        assertEquals(
                List.of("t.yaml:4:15: backends.api.protocol: 'http2' is not one of http1, h2; did you mean 'http1'?"),
                problems(backendWith("protocol: http2")));
    }

    @Test
    void h2NeedsHttpModeAndNoSendProxy() {
        assertEquals(
                List.of("t.yaml:2:5: backends.api: backend api: protocol h2 needs mode http"),
                problems(backendWith("mode: tcp\nprotocol: h2")));
        assertEquals(
                List.of("t.yaml:2:5: backends.api: backend api: send_proxy cannot be used with protocol h2 (a"
                        + " connection carries many clients)"),
                problems(backendWith("send_proxy: v2\nprotocol: h2")));
    }

    @Test
    void aGrpcCheckAsksForItsServiceAndNeedsH2() throws Exception {
        HealthCheckConfig check = backend(backendWith("protocol: h2\nhealth_check: { type: grpc, service: test.Echo }"))
                .healthCheck();
        assertEquals(HealthCheckConfig.Type.GRPC, check.type());
        assertEquals("test.Echo", check.service());
        assertEquals(
                "",
                backend(backendWith("protocol: h2\nhealth_check: { type: grpc }"))
                        .healthCheck()
                        .service(),
                "the server as a whole");
        assertEquals(
                List.of("t.yaml:2:5: backends.api: backend api: a grpc health check speaks HTTP/2: it needs protocol"
                        + " h2"),
                problems(backendWith("health_check: { type: grpc }")));
        assertEquals(
                List.of("t.yaml:5:33: backends.api.health_check: 'service' is for type grpc checks; this check's type"
                        + " is http"),
                problems(backendWith("protocol: h2\nhealth_check: { type: http, service: x }")));
    }
}
