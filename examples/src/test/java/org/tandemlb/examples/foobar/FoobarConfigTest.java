package org.tandemlb.examples.foobar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.admin.config.TandemConfig;
import org.tandemlb.core.config.FrontendConfig;

/**
 * {@code examples/foobar/lb1.yaml} and {@code lb2.yaml} are valid for {@code tandem check} (the
 * same loader) with the environment run-local.sh gives them, and describe the same site.
 */
class FoobarConfigTest {

    private static final Path DIR = Path.of("foobar");

    @TempDir
    Path state;

    @Test
    void bothLoadBalancerConfigsAreValidAndServeTheSameSite() throws Exception {
        FoobarState.makeCertificate(state);
        Map<String, String> env = Map.of("FOOBAR_STATE", state.toString(), "TANDEM_CLUSTER_SECRET", "a secret");

        TandemConfig lb1 = ConfigLoader.load(DIR.resolve("lb1.yaml"), env);
        TandemConfig lb2 = ConfigLoader.load(DIR.resolve("lb2.yaml"), env);

        assertEquals("lb1", lb1.node());
        assertEquals("lb2", lb2.node());
        assertNotNull(lb1.cluster());
        assertNotNull(lb2.cluster());
        assertEquals(
                List.of("www", "www-redirect", "mysql-write", "mysql-read"),
                lb1.loadBalancer().frontends().stream()
                        .map(FrontendConfig::name)
                        .toList());
        // The two hosts differ in who they are, never in what they serve.
        assertEquals(lb1.loadBalancer(), lb2.loadBalancer());
    }
}
