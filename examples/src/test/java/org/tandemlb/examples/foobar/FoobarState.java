package org.tandemlb.examples.foobar;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tandemlb.core.testsupport.TestCertificates;

/** What run-local.sh puts in {@code $FOOBAR_STATE} before lb1.yaml and lb2.yaml are read. */
final class FoobarState {
    private FoobarState() {}

    /** The site's certificate and key in {@code state/tls}, where both LB configs expect them. */
    static void makeCertificate(Path state) throws IOException {
        Path tls = Files.createDirectories(state.resolve("tls"));
        TestCertificates.Issued www = TestCertificates.create(state.resolve("ca"))
                .issue("www", TestCertificates.KeyType.EC, TestCertificates.KeyFormat.PKCS8, "www.foobar.com");
        Files.copy(www.chain(), tls.resolve("www.foobar.com.crt"));
        Files.copy(www.key(), tls.resolve("www.foobar.com.key"));
    }
}
