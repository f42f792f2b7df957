package org.tandemlb.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.config.TlsConfig;
import org.tandemlb.core.testsupport.TestBackends;
import org.tandemlb.core.testsupport.TestCertificates;
import org.tandemlb.core.testsupport.TestCertificates.Issued;
import org.tandemlb.core.testsupport.TestCertificates.KeyFormat;
import org.tandemlb.core.testsupport.TestCertificates.KeyType;

/**
 * {@link LoadBalancer#prepare}: a frontend whose TLS was built ahead (a cluster standby's VIP
 * frontend) starts on an apply without building it then, and a certificate replaced in between
 * is still read anew.
 */
class PreparedTlsTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final TestBackends backends = new TestBackends();

    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger serverTlsLog = (Logger) LoggerFactory.getLogger(ServerTls.class);
    private LoadBalancer lb;
    private String web;

    @BeforeEach
    void capture() {
        web = backends.start("web").hostPort();
        log.start();
        serverTlsLog.addAppender(log);
    }

    @AfterEach
    void stop() {
        serverTlsLog.detachAppender(log);
        if (lb != null) {
            lb.close();
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void aPreparedFrontendStartsWithTheContextsBuiltAhead(TlsProvider provider) throws Exception {
        TestCertificates ca = TestCertificates.create(dir.resolve("ca"));
        install(ca.issue("www", KeyType.EC, KeyFormat.PKCS8, "www.test"));
        lb = LoadBalancer.builder(standby()).threads(1).tlsProvider(provider).build();
        lb.start();

        lb.prepare(full());
        assertEquals(List.of("www.test"), loaded(), "prepare built the certificate's context");
        lb.apply(full());

        assertEquals(List.of("www.test"), loaded(), "the apply built no other");
        assertEquals(
                "www.test",
                TlsClients.subject(TlsClients.sClient(lb.address("www").getPort())));
    }

    @Test
    void aCertificateReplacedAfterThePreparationIsTheOneServed() throws Exception {
        TestCertificates ca = TestCertificates.create(dir.resolve("ca"));
        install(ca.issue("old", KeyType.EC, KeyFormat.PKCS8, "old.test"));
        lb = LoadBalancer.builder(standby()).threads(1).build();
        lb.start();
        lb.prepare(full());

        install(ca.issue("new", KeyType.EC, KeyFormat.PKCS8, "new.test"));
        lb.apply(full());

        assertEquals(List.of("old.test", "new.test"), loaded());
        assertEquals(
                "new.test",
                TlsClients.subject(TlsClients.sClient(lb.address("www").getPort())));
    }

    private void install(Issued issued) throws Exception {
        Files.copy(issued.chain(), dir.resolve("www.pem"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(issued.key(), dir.resolve("www.key"), StandardCopyOption.REPLACE_EXISTING);
    }

    /** The names of the certificates whose contexts were built ("certificate ... for [names] ... loaded"). */
    private List<String> loaded() {
        return log.list.stream()
                .map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains(" loaded"))
                .map(m -> m.substring(m.indexOf('[') + 1, m.indexOf(']')))
                .toList();
    }

    /** A plain frontend and the TLS one, as the active node of a cluster runs it. */
    private LoadBalancerConfig full() {
        return config(true);
    }

    /** Without the TLS frontend, as the standby runs it. */
    private LoadBalancerConfig standby() {
        return config(false);
    }

    private LoadBalancerConfig config(boolean withTls) {
        LoadBalancerConfig.Builder b = LoadBalancerConfig.builder()
                .backend(BackendConfig.builder("be", Mode.HTTP)
                        .server(ServerConfig.builder("web", web).build())
                        .build())
                .frontend(FrontendConfig.builder("plain", Mode.HTTP)
                        .bind("127.0.0.1:0")
                        .defaultBackend("be")
                        .build());
        if (withTls) {
            b.frontend(FrontendConfig.builder("www", Mode.HTTP)
                    .bind("127.0.0.1:0")
                    .defaultBackend("be")
                    .tls(TlsConfig.builder()
                            .certificate(dir.resolve("www.pem"), dir.resolve("www.key"))
                            .build())
                    .build());
        }
        return b.build();
    }
}
