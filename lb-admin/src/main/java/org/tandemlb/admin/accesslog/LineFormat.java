package org.tandemlb.admin.accesslog;

import java.io.IOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.tandemlb.core.accesslog.AccessLogEntry;
import org.tandemlb.core.config.Mode;

/**
 * What both line formats share: the time stamp, the client address, durations in milliseconds.
 * The layouts themselves are documented in {@code docs/access-log.md}.
 */
final class LineFormat {
    /** Fixed width, always with milliseconds, always UTC: sorts as text and parses as ISO-8601. */
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private LineFormat() {}

    static String time(long epochMillis) {
        return TIME.format(Instant.ofEpochMilli(epochMillis));
    }

    /** The client's IP address as text, without a DNS look-up; "-" when unknown. */
    static String clientIp(InetSocketAddress client) {
        if (client == null) {
            return "-";
        }
        InetAddress a = client.getAddress();
        return a == null ? client.getHostString() : a.getHostAddress();
    }

    /** {@code 10.0.0.5:51234} or {@code [2001:db8::5]:51234}; "-" when unknown. */
    static String clientHostPort(InetSocketAddress client) {
        if (client == null) {
            return "-";
        }
        String ip = clientIp(client);
        return ip.indexOf(':') >= 0 ? "[" + ip + "]:" + client.getPort() : ip + ":" + client.getPort();
    }

    /**
     * A duration in milliseconds with three decimals (microseconds): {@code 2.104}. On loopback
     * most steps take tens of microseconds, which whole milliseconds would all show as 0.
     */
    static void appendMillis(StringBuilder out, long nanos) {
        long micros = nanos / 1_000;
        long frac = micros % 1_000;
        out.append(micros / 1_000).append('.');
        if (frac < 100) {
            out.append('0');
        }
        if (frac < 10) {
            out.append('0');
        }
        out.append(frac);
    }

    static String millis(long nanos) {
        StringBuilder sb = new StringBuilder(12);
        appendMillis(sb, nanos);
        return sb.toString();
    }

    /**
     * The text format: {@code TIME CLIENT FRONTEND BACKEND/SERVER METHOD URI STATUS in=N out=N
     * Tw=MS Tc=MS Tr=MS Ta=MS http=VERSION [tls=VERSION/CIPHER] [id=REQUEST_ID] TERMINATION} for HTTP
     * ({@code id=} with the frontend's {@code request_id} only), {@code TIME
     * CLIENT FRONTEND BACKEND/SERVER tcp in=N out=N Tw=MS Tc=MS Ta=MS [tls=VERSION/CIPHER]
     * TERMINATION} for TCP ({@code tls=} on TLS connections only); "-" for what did not happen. Fields never
     * contain a space: the method and URI are percent-encoded outside printable ASCII.
     */
    static void text(AccessLogEntry e, StringBuilder out) {
        out.append(time(e.startMillis()))
                .append(' ')
                .append(clientHostPort(e.client()))
                .append(' ')
                .append(e.frontend())
                .append(' ')
                .append(orDash(e.backend()))
                .append('/')
                .append(orDash(e.server()))
                .append(' ');
        boolean http = e.mode() == Mode.HTTP;
        if (http) {
            appendEscaped(out, e.method());
            out.append(' ');
            appendEscaped(out, e.uri());
            out.append(' ');
            if (e.status() > 0) {
                out.append(e.status());
            } else {
                out.append('-');
            }
        } else {
            out.append("tcp");
        }
        out.append(" in=").append(e.bytesIn()).append(" out=").append(e.bytesOut());
        timer(out, " Tw=", e.queueNanos());
        timer(out, " Tc=", e.connectNanos());
        if (http) {
            timer(out, " Tr=", e.responseNanos());
        }
        timer(out, " Ta=", e.totalNanos());
        if (http) {
            // HTTP/1.1 as 1.1, HTTP/2.0 as 2: the version number alone.
            out.append(" http=").append(e.httpVersion() == null ? "-" : httpVersion(e.httpVersion()));
        }
        if (e.tlsVersion() != null) {
            out.append(" tls=").append(e.tlsVersion()).append('/').append(orDash(e.tlsCipher()));
        }
        if (e.requestId() != null) {
            out.append(" id=");
            appendEscaped(out, e.requestId()); // a client's id may hold anything a header value may
        }
        out.append(' ').append(orDash(e.termination())).append('\n');
    }

    /** {@code HTTP/1.1} -> {@code 1.1}, {@code HTTP/2.0} -> {@code 2}. */
    static String httpVersion(String v) {
        String n = v.startsWith("HTTP/") ? v.substring(5) : v;
        return n.endsWith(".0") && !n.startsWith("1") ? n.substring(0, n.length() - 2) : n;
    }

    private static void timer(StringBuilder out, String name, long nanos) {
        out.append(name);
        if (nanos < 0) {
            out.append('-');
        } else {
            appendMillis(out, nanos);
            out.append("ms");
        }
    }

    private static String orDash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }

    /**
     * {@code s} with every character outside printable ASCII (controls, space, DEL, non-ASCII)
     * percent-encoded as its UTF-8 bytes, so that a line always has the same fields and a request
     * cannot forge a line break. A {@code %} already in a URI stays as it is: the log shows what
     * the client sent.
     */
    static void appendEscaped(StringBuilder out, String s) {
        if (s == null || s.isEmpty()) {
            out.append('-');
            return;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 0x20 && c < 0x7f) {
                out.append(c);
            } else {
                int end = Character.isHighSurrogate(c) && i + 1 < s.length() ? i + 2 : i + 1;
                for (byte b : s.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                    out.append('%').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
                }
                i = end - 1;
            }
        }
    }

    /** A {@link Writer} that appends to a {@link StringBuilder}, for Jackson's generator. */
    static final class BuilderWriter extends Writer {
        private final StringBuilder out;

        BuilderWriter(StringBuilder out) {
            this.out = out;
        }

        @Override
        public void write(char[] buf, int off, int len) {
            out.append(buf, off, len);
        }

        @Override
        public void write(String s, int off, int len) {
            out.append(s, off, off + len);
        }

        @Override
        public void write(int c) {
            out.append((char) c);
        }

        @Override
        public void flush() {}

        @Override
        public void close() throws IOException {}
    }
}
