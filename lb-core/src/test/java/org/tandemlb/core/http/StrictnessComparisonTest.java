package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.ChildProcess;
import org.tandemlb.core.testsupport.ExternalProcesses;
import org.tandemlb.core.testsupport.Proxies;
import org.tandemlb.core.testsupport.RawServer;

/**
 * The requests of {@link MalformedRequests} through Tandem and through a real HAProxy 2.6 (its
 * defaults, {@code mode http}), each in front of its own raw recording server, in one run; then
 * the server responses of {@link MalformedResponses}, each from a raw server behind both. It
 * writes what each answered, whether anything of a request reached the server and what of a
 * response reached the client to {@code target/strictness.md} (and to the file named by
 * {@code -Dstrictness.out}, which is how docs/strictness.md is made), and checks that Tandem
 * refuses every request and response HAProxy refuses.
 */
class StrictnessComparisonTest {
    private static final Path HAPROXY = ExternalProcesses.requireBinary("haproxy", "/usr/sbin/haproxy", "haproxy");
    /** How long to wait for an answer: a proxy waiting for a body it was promised does not answer. */
    private static final int ANSWER_MS = 1500;

    @TempDir
    Path dir;

    /** What one proxy did with one request. */
    record Result(int status, boolean forwarded) {
        String describe() {
            String answer = status > 0 ? String.valueOf(status) : status == 0 ? "closed" : "no answer";
            return forwarded ? "**forwarded**, " + answer : answer;
        }
    }

    @Test
    void tandemRefusesEverythingHAProxyRefusesAndMore() throws Exception {
        List<MalformedRequests.Case> cases = MalformedRequests.all();
        List<MalformedResponses.Case> responses = MalformedResponses.all();
        List<Result> tandem = new ArrayList<>();
        List<Result> haproxy = new ArrayList<>();
        List<Seen> tandemResponses = new ArrayList<>();
        List<Seen> haproxyResponses = new ArrayList<>();
        List<RawServer> misbehaving = new ArrayList<>();
        try (RawServer behindTandem = RawServer.recording();
                RawServer behindHAProxy = RawServer.recording();
                LoadBalancer lb = Proxies.start(
                        Mode.HTTP,
                        b -> b.server(ServerConfig.builder("s", behindTandem.hostPort())
                                .build()),
                        f -> f,
                        1)) {
            for (MalformedResponses.Case c : responses) {
                misbehaving.add(RawServer.answering(c.response(), c.serverCloses()));
            }
            int[] port = new int[1];
            try (ChildProcess h = haproxy(behindHAProxy, misbehaving, port)) {
                InetSocketAddress edge = new InetSocketAddress("127.0.0.1", port[0]);
                // A first request to each, so that no answer is late for a cold start.
                probe(lb.address("fe"), behindTandem, "GET /warm-up HTTP/1.1\r\nHost: t\r\n\r\n");
                probe(edge, behindHAProxy, "GET /warm-up HTTP/1.1\r\nHost: t\r\n\r\n");
                for (MalformedRequests.Case c : cases) {
                    tandem.add(probe(lb.address("fe"), behindTandem, c.raw()));
                    haproxy.add(probe(edge, behindHAProxy, c.raw()));
                }
                for (int i = 0; i < responses.size(); i++) {
                    String server = misbehaving.get(i).hostPort();
                    try (LoadBalancer one = Proxies.start(
                            Mode.HTTP,
                            b -> b.server(ServerConfig.builder("s", server).build()),
                            f -> f,
                            1)) {
                        tandemResponses.add(fetch(one.address("fe"), "/"));
                    }
                    haproxyResponses.add(fetch(edge, "/r" + i));
                }
                assertTrue(h.isAlive(), h.output());
            }
        } finally {
            for (RawServer r : misbehaving) {
                r.close();
            }
        }
        String table =
                table(cases, tandem, haproxy, version()) + responseTable(responses, tandemResponses, haproxyResponses);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "strictness.md"), table);
        String out = System.getProperty("strictness.out");
        if (out != null && !out.isBlank()) {
            Files.writeString(Path.of(out), table);
        }
        for (int i = 0; i < cases.size(); i++) {
            MalformedRequests.Case c = cases.get(i);
            assertEquals(new Result(c.status(), false), tandem.get(i), c.name());
            assertTrue(
                    haproxy.get(i).forwarded() || !tandem.get(i).forwarded(),
                    c.name() + ": HAProxy refuses it, so must Tandem");
        }
        for (int i = 0; i < responses.size(); i++) {
            MalformedResponses.Case c = responses.get(i);
            Seen t = tandemResponses.get(i);
            assertEquals(c.outcome(), t.outcome(), c.name() + " through Tandem: " + t.describe());
            assertTrue(
                    t.strictness() >= haproxyResponses.get(i).strictness(),
                    c.name() + ": HAProxy " + haproxyResponses.get(i).describe() + ", Tandem " + t.describe());
        }
    }

    /**
     * What a client got of a server's response through a proxy: its status (0: none, the
     * connection closed; -1: none in time), and, for a response passed on, whether its body came
     * whole as its head framed it or the connection closed before.
     */
    record Seen(int status, boolean whole) {
        /** Tandem's outcome this stands for, as {@link MalformedResponses.Outcome} names them (null: none). */
        MalformedResponses.Outcome outcome() {
            if (proxyError()) {
                return MalformedResponses.Outcome.BAD_GATEWAY;
            }
            if (status < 0) {
                return null;
            }
            return whole ? MalformedResponses.Outcome.COMPLETE : MalformedResponses.Outcome.TRUNCATED;
        }

        /** An error of the proxy's own (none of these servers sends a 502, 503 or 504), or no answer. */
        boolean proxyError() {
            return status == 0 || status == 502 || status == 503 || status == 504;
        }

        /**
         * 1: not passed on as a whole response (an error of the proxy's own, no answer, or cut
         * short: the client cannot take it for complete); 0: passed on whole.
         */
        int strictness() {
            return status > 0 && !proxyError() && whole ? 0 : 1;
        }

        String describe() {
            if (status == 0) {
                return "closed";
            }
            if (status < 0) {
                return "no answer";
            }
            if (proxyError()) {
                return String.valueOf(status);
            }
            return whole ? "**passed on**, " + status : status + ", cut short";
        }
    }

    /**
     * Sends a GET for {@code path} to {@code proxy} and reads what comes until the response is
     * whole as its head frames it, the proxy closes, or nothing more comes in time.
     */
    private static Seen fetch(InetSocketAddress proxy, String path) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try (Socket s = new Socket()) {
            s.connect(proxy, 5000);
            s.setSoTimeout(ANSWER_MS);
            s.getOutputStream()
                    .write(("GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    got.write(buf, 0, n);
                    Seen seen = seen(got.toString(StandardCharsets.ISO_8859_1), false);
                    if (seen.whole()) {
                        return seen; // more would not make it any less whole
                    }
                }
            } catch (SocketTimeoutException e) {
                return seen(got.toString(StandardCharsets.ISO_8859_1), false); // kept open: what came is all
            } catch (IOException e) {
                // reset: closed
            }
        }
        return seen(got.toString(StandardCharsets.ISO_8859_1), true);
    }

    /** What {@code all} is as a response, {@code closed} telling whether the proxy closed after it. */
    private static Seen seen(String all, boolean closed) {
        int headEnd = all.indexOf("\r\n\r\n");
        String[] statusLine = all.lines().findFirst().orElse("").split(" ");
        if (headEnd < 0 || statusLine.length < 2 || !statusLine[1].matches("\\d{3}")) {
            return new Seen(all.isEmpty() && !closed ? -1 : 0, false);
        }
        int status = Integer.parseInt(statusLine[1]);
        String head = all.substring(0, headEnd).toLowerCase(Locale.ROOT);
        String body = all.substring(headEnd + 4);
        Matcher length = Pattern.compile("\r\ncontent-length: *(\\d+)").matcher(head);
        boolean whole;
        if (head.contains("\r\ntransfer-encoding: chunked")) {
            whole = body.endsWith("0\r\n\r\n");
        } else if (length.find()) {
            whole = body.length() >= Long.parseLong(length.group(1));
        } else {
            whole = closed; // delimited by the close
        }
        return new Seen(status, whole);
    }

    /** Sends {@code raw} to {@code proxy} and tells what came back and whether {@code server} saw anything. */
    private static Result probe(InetSocketAddress proxy, RawServer server, String raw) throws IOException {
        int before = server.received().length();
        int status;
        try (Socket s = new Socket()) {
            s.connect(proxy, 5000);
            s.setSoTimeout(ANSWER_MS);
            s.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            status = status(s.getInputStream());
        }
        // A sentinel on a new connection: once it is answered, whatever the proxy forwarded of the
        // request before has arrived (it was written first).
        try (Socket s = new Socket()) {
            s.connect(proxy, 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream()
                    .write("GET /sentinel HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertEquals(200, status(s.getInputStream()), "the sentinel through " + proxy);
        }
        String since = server.received().substring(before);
        int start = since.indexOf("GET /sentinel HTTP/1.1\r\n");
        int end = since.indexOf("\r\n\r\n", start);
        String besides = since.substring(0, start) + since.substring(end + 4);
        return new Result(status, !besides.isEmpty());
    }

    /** The status of the response being read, 0 when the connection closed first, -1 when none came in time. */
    private static int status(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        try {
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                line.append((char) b);
            }
        } catch (SocketTimeoutException e) {
            return -1;
        } catch (IOException e) {
            return 0; // reset
        }
        String[] parts = line.toString().split(" ");
        return parts.length > 1 && parts[1].matches("\\d{3}") ? Integer.parseInt(parts[1]) : 0;
    }

    /**
     * HAProxy in front of {@code server}, and of {@code misbehaving} server {@code i} for the
     * path {@code /r<i>}.
     */
    private ChildProcess haproxy(RawServer server, List<RawServer> misbehaving, int[] port) {
        return ExternalProcesses.startOnFreePort("haproxy", p -> {
            Path cfg = dir.resolve("haproxy-" + p + ".cfg");
            Files.writeString(
                    cfg,
                    String.join(
                            "\n",
                            "defaults",
                            "  mode http",
                            "  timeout connect 5s",
                            "  timeout client 5s",
                            "  timeout server 5s",
                            "  timeout http-request 5s",
                            "frontend edge",
                            "  bind 127.0.0.1:" + p,
                            "  default_backend be",
                            byPath(misbehaving, i -> "  use_backend r" + i + " if { path /r" + i + " }"),
                            "backend be",
                            "  server s " + server.hostPort(),
                            byPath(
                                    misbehaving,
                                    i -> "backend r" + i + "\n  server s "
                                            + misbehaving.get(i).hostPort()),
                            ""));
            ChildProcess h = ChildProcess.command(HAPROXY.toString(), "-db", "-f", cfg.toString())
                    .name("haproxy")
                    .start();
            InetSocketAddress at = new InetSocketAddress("127.0.0.1", p);
            boolean up = ExternalProcesses.pollUntil(
                    Duration.ofSeconds(10), () -> !h.isAlive() || ExternalProcesses.acceptsConnections(at));
            if (!up || !h.isAlive()) {
                String output = h.output();
                h.close();
                if (output.contains("Address already in use")) {
                    throw new ExternalProcesses.AddressInUseException(output);
                }
                throw new IOException("haproxy did not start: " + output);
            }
            port[0] = p;
            return h;
        });
    }

    private static String byPath(List<RawServer> servers, IntFunction<String> line) {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < servers.size(); i++) {
            lines.append(i == 0 ? "" : "\n").append(line.apply(i));
        }
        return lines.toString();
    }

    private static String version() {
        String v = ExternalProcesses.run(Duration.ofSeconds(10), HAPROXY.toString(), "-v")
                .stdout();
        return v.lines().findFirst().orElse("HAProxy").trim();
    }

    private static String table(
            List<MalformedRequests.Case> cases, List<Result> tandem, List<Result> haproxy, String version) {
        int stricter = 0;
        int haproxyRefused = 0;
        int tandemRefused = 0;
        for (int i = 0; i < cases.size(); i++) {
            stricter += haproxy.get(i).forwarded() && !tandem.get(i).forwarded() ? 1 : 0;
            haproxyRefused += haproxy.get(i).forwarded() ? 0 : 1;
            tandemRefused += tandem.get(i).forwarded() ? 0 : 1;
        }
        StringBuilder md = new StringBuilder();
        md.append("# Strictness: Tandem beside HAProxy\n\n")
                .append("Generated by `StrictnessComparisonTest` (lb-core) on ")
                .append(LocalDate.now(ZoneOffset.UTC))
                .append(" against ")
                .append(version)
                .append(" with its defaults (`mode http`), in one run: the requests of Tandem's test table")
                .append(" (`MalformedRequests`), then the malformed server responses of its other table")
                .append(" (`MalformedResponses`).\n\n")
                .append("To make this page again: `mvn -B -pl lb-core -am verify -Dtest=StrictnessComparisonTest ")
                .append("-Dsurefire.failIfNoSpecifiedTests=false -Dstrictness.out=$PWD/docs/strictness.md`.\n\n")
                .append("## Requests\n\n")
                .append("Each of the ")
                .append(cases.size())
                .append(" malformed or ambiguous requests below was sent as raw bytes to each proxy, each in front ")
                .append("of its own raw recording server; **forwarded** means bytes of it reached that server. ")
                .append("A status is the proxy's answer; *closed*: the connection closed without one; ")
                .append("*no answer*: none within ")
                .append(ANSWER_MS)
                .append(" ms (the proxy waits for a body it was promised).\n\n")
                .append("Tandem refuses ")
                .append(tandemRefused)
                .append(" and forwards ")
                .append(cases.size() - tandemRefused)
                .append("; HAProxy refuses ")
                .append(haproxyRefused)
                .append(" and forwards ")
                .append(cases.size() - haproxyRefused)
                .append(". Tandem is stricter on ")
                .append(stricter)
                .append(" (marked below). What Tandem refuses and why: [security.md](security.md).\n\n")
                .append("| # | request | rule (RFC) | Tandem | HAProxy | |\n")
                .append("| ---: | --- | --- | --- | --- | --- |\n");
        for (int i = 0; i < cases.size(); i++) {
            MalformedRequests.Case c = cases.get(i);
            boolean more = haproxy.get(i).forwarded() && !tandem.get(i).forwarded();
            md.append("| ")
                    .append(i + 1)
                    .append(" | ")
                    .append(c.name())
                    .append(" | ")
                    .append(c.rule().replace(" ", " §"))
                    .append(" | ")
                    .append(tandem.get(i).describe())
                    .append(" | ")
                    .append(haproxy.get(i).describe())
                    .append(" | ")
                    .append(more ? "stricter" : "")
                    .append(" |\n");
        }
        return md.toString();
    }

    private static String responseTable(List<MalformedResponses.Case> cases, List<Seen> tandem, List<Seen> haproxy) {
        int stricter = 0;
        int haproxyPassed = 0;
        int tandemPassed = 0;
        for (int i = 0; i < cases.size(); i++) {
            stricter += tandem.get(i).strictness() > haproxy.get(i).strictness() ? 1 : 0;
            haproxyPassed += haproxy.get(i).strictness() == 0 ? 1 : 0;
            tandemPassed += tandem.get(i).strictness() == 0 ? 1 : 0;
        }
        StringBuilder md = new StringBuilder();
        md.append("\n## Responses\n\n")
                .append("Each of the ")
                .append(cases.size())
                .append(" malformed or ambiguous server responses below was sent by a raw server behind each proxy ")
                .append("to a plain `GET`. A status is what the client got; **passed on**: a response the client ")
                .append("could read whole, as its head framed it (whatever the proxy made of the broken parts); ")
                .append("*cut short*: the head, then the connection closed before the body's end; *closed*: no ")
                .append("answer. Tandem passes on ")
                .append(tandemPassed)
                .append(" (")
                .append("those whose server sent more than it announced: the client gets what was announced), ")
                .append("HAProxy ")
                .append(haproxyPassed)
                .append(". Tandem is stricter on ")
                .append(stricter)
                .append(" (marked below).\n\n")
                .append("| # | response | Tandem | HAProxy | |\n")
                .append("| ---: | --- | --- | --- | --- |\n");
        for (int i = 0; i < cases.size(); i++) {
            boolean more = tandem.get(i).strictness() > haproxy.get(i).strictness();
            md.append("| ")
                    .append(i + 1)
                    .append(" | ")
                    .append(cases.get(i).name())
                    .append(" | ")
                    .append(tandem.get(i).describe())
                    .append(" | ")
                    .append(haproxy.get(i).describe())
                    .append(" | ")
                    .append(more ? "stricter" : "")
                    .append(" |\n");
        }
        return md.toString();
    }
}
