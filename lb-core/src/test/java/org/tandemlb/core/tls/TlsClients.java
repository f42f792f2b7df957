package org.tandemlb.core.tls;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tandemlb.core.testsupport.ChildProcess;

/** The real TLS clients of the tests: {@code openssl s_client} and {@code curl}. */
final class TlsClients {
    private static final Pattern SUBJECT = Pattern.compile("(?m)^subject=.*CN ?= ?([^,\\s]+)");

    private TlsClients() {}

    /** Runs {@code command}, writes {@code input} to its stdin and closes it; its output once it has exited. */
    static String run(String input, List<String> command) {
        try (ChildProcess p = ChildProcess.command(command).name(command.get(0)).start()) {
            if (input != null) {
                p.send(input);
            }
            p.closeStdin();
            assertTrue(p.awaitExit(Duration.ofSeconds(20)), command + " did not finish: " + p.output());
            return p.text();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code openssl s_client -connect 127.0.0.1:PORT args...}, with nothing to send. */
    static String sClient(int port, String... args) {
        return sClientSending(null, port, args);
    }

    /** {@code openssl s_client} sending {@code input} (with {@code -ign_eof}: it reads until the server closes). */
    static String sClientSending(String input, int port, String... args) {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port));
        command.addAll(List.of(args));
        if (input != null) {
            command.addAll(List.of("-ign_eof", "-crlf"));
        }
        return run(input, command);
    }

    /** The CN of the certificate the server presented, in {@code s_client} output; null when none. */
    static String subject(String sClientOutput) {
        Matcher m = SUBJECT.matcher(sClientOutput);
        return m.find() ? m.group(1) : null;
    }

    /** Whether {@code s_client} resumed its session: {@code Reused, TLSv1.x, ...}. */
    static boolean reused(String sClientOutput) {
        return sClientOutput.lines().anyMatch(l -> l.startsWith("Reused, "));
    }

    /** A request that closes the connection, for {@link #sClientSending} (-crlf makes the line ends CRLF). */
    static String request(String host) {
        return "GET / HTTP/1.1\nHost: " + host + "\nConnection: close\n";
    }
}
