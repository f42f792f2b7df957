package org.tandemlb.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.backend.AdminState;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;

/** {@link LoadBalancer.Builder#beforeListening}: the servers exist, nothing listens yet, and what it sets holds from the first request. */
class LoadBalancerBeforeListeningTest {

    @Test
    void theHookSeesTheServersBeforeAnyFrontendListensAndItsDrainHoldsFromTheFirstRequest() throws Exception {
        try (TestBackend web1 = TestBackend.start("web1");
                TestBackend web2 = TestBackend.start("web2")) {
            LoadBalancerConfig config = LoadBalancerConfig.builder()
                    .backend(BackendConfig.builder("web", Mode.HTTP)
                            .server(ServerConfig.builder("web1", web1.hostPort())
                                    .build())
                            .server(ServerConfig.builder("web2", web2.hostPort())
                                    .build())
                            .build())
                    .frontend(FrontendConfig.builder("www", Mode.HTTP)
                            .bind("127.0.0.1:0")
                            .defaultBackend("web")
                            .build())
                    .build();
            List<String> seen = new ArrayList<>();
            LoadBalancer lb = LoadBalancer.builder(config)
                    .threads(1)
                    .beforeListening(running -> {
                        seen.add("frontends " + running.frontends().size());
                        running.backend("web").server("web1").setAdminState(AdminState.DRAIN);
                    })
                    .build();
            try {
                lb.start();

                assertEquals(List.of("frontends 0"), seen);
                try (RawHttp client = new RawHttp(lb.address("www"))) {
                    for (int i = 0; i < 4; i++) {
                        assertEquals("web2\n", client.get("/" + i).body());
                    }
                }
                assertEquals(0, web1.requests(), "no request reached the drained server");
            } finally {
                lb.stop(Duration.ZERO);
            }
        }
    }
}
