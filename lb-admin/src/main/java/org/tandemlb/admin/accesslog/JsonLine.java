package org.tandemlb.admin.accesslog;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.IOException;
import java.io.Writer;
import org.tandemlb.core.accesslog.AccessLogEntry;
import org.tandemlb.core.config.Mode;

/**
 * The JSON format: one object per line, always the same fields in the same order, {@code null}
 * for what did not happen (see {@code docs/access-log.md}). Written with Jackson's streaming
 * generator, which escapes the URI and method as JSON requires; non-ASCII is escaped too
 * ({@code \u00e9}), so a line is plain ASCII whatever a client sent.
 */
final class JsonLine {
    private static final JsonFactory FACTORY = new JsonFactoryBuilder()
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
            .rootValueSeparator((String) null) // lines are separated by '\n', written below
            .build();

    private JsonLine() {}

    static JsonGenerator generator(Writer out) {
        try {
            return FACTORY.createGenerator(out);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a JSON generator over a string", e);
        }
    }

    static void write(AccessLogEntry e, JsonGenerator g) throws IOException {
        boolean http = e.mode() == Mode.HTTP;
        g.writeStartObject();
        g.writeStringField("time", LineFormat.time(e.startMillis()));
        g.writeStringField("mode", e.mode().configName());
        g.writeStringField("client_ip", e.client() == null ? null : LineFormat.clientIp(e.client()));
        if (e.client() == null) {
            g.writeNullField("client_port");
        } else {
            g.writeNumberField("client_port", e.client().getPort());
        }
        g.writeStringField("frontend", e.frontend());
        g.writeStringField("backend", e.backend());
        g.writeStringField("server", e.server());
        g.writeStringField("method", e.method());
        g.writeStringField("uri", e.uri());
        if (http && e.status() > 0) {
            g.writeNumberField("status", e.status());
        } else {
            g.writeNullField("status");
        }
        g.writeNumberField("bytes_in", e.bytesIn());
        g.writeNumberField("bytes_out", e.bytesOut());
        millis(g, "queue_ms", e.queueNanos());
        millis(g, "connect_ms", e.connectNanos());
        millis(g, "response_ms", e.responseNanos());
        millis(g, "total_ms", e.totalNanos());
        g.writeStringField("http_version", e.httpVersion() == null ? null : LineFormat.httpVersion(e.httpVersion()));
        g.writeStringField("tls_version", e.tlsVersion());
        g.writeStringField("tls_cipher", e.tlsCipher());
        g.writeStringField("request_id", e.requestId());
        g.writeStringField("termination", e.termination());
        g.writeEndObject();
        g.writeRaw('\n');
    }

    private static void millis(JsonGenerator g, String name, long nanos) throws IOException {
        g.writeFieldName(name);
        if (nanos < 0) {
            g.writeNull();
        } else {
            g.writeNumber(LineFormat.millis(nanos)); // a JSON number: 2.104
        }
    }
}
