package org.tandemlb.admin.accesslog;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * One open target (standard output or a file) and the lines formatted for it since the last
 * flush. Used by the writer thread only, after it was handed over through the queue.
 */
final class Sink {
    private final String target;
    private final OutputStream out;
    private final boolean ownsStream;
    private final StringBuilder pending = new StringBuilder(8192);
    private JsonGenerator json;
    private int lines;
    private boolean failed;

    Sink(String target, OutputStream out, boolean ownsStream) {
        this.target = target;
        this.out = out;
        this.ownsStream = ownsStream;
    }

    String target() {
        return target;
    }

    /** The buffer a text line is appended to; the caller appends one line. */
    StringBuilder text() {
        lines++;
        return pending;
    }

    /** The generator a JSON line is written with; the caller writes one line. */
    JsonGenerator json() {
        if (json == null) {
            json = JsonLine.generator(new LineFormat.BuilderWriter(pending));
        }
        lines++;
        return json;
    }

    /** Lines formatted and not yet written. */
    int pendingLines() {
        return lines;
    }

    /**
     * Writes the lines formatted since the last flush in one {@code write} (on standard output
     * that keeps them whole between the daemon's own log lines, which share the stream) and
     * flushes.
     *
     * @return the number of lines written
     * @throws IOException when the write failed; the lines are then discarded
     */
    int flush() throws IOException {
        if (lines == 0) {
            return 0;
        }
        int n = lines;
        lines = 0;
        if (json != null) {
            json.flush(); // into pending
        }
        byte[] bytes = pending.toString().getBytes(StandardCharsets.UTF_8);
        pending.setLength(0);
        out.write(bytes);
        out.flush();
        return n;
    }

    /** Whether a write has failed already (so that the failure is logged once per sink). */
    boolean markFailed() {
        boolean first = !failed;
        failed = true;
        return first;
    }

    /** Closes the file; standard output stays open. */
    void close() throws IOException {
        if (ownsStream) {
            out.close();
        }
    }

    @Override
    public String toString() {
        return target;
    }
}
