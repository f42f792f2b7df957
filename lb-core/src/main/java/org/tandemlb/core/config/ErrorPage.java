package org.tandemlb.core.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A page Tandem sends instead of its built-in answer for one status ({@code error_pages}): read
 * from a file when the configuration is loaded, never at request time. The file is either a whole
 * HTTP/1.x response (it starts with {@code HTTP/1.}, as HAProxy's {@code errorfile}: status line,
 * headers, blank line, body) or a body alone, sent as {@code text/html}. Either way Tandem frames
 * it: it sets {@code Content-Length} and {@code Connection} itself, so a file needs neither (a
 * {@code Content-Length} that disagrees with the body, or a {@code Transfer-Encoding}, is an error).
 */
public final class ErrorPage {
    /** The statuses Tandem answers by itself, which a page may replace. */
    public static final Set<Integer> STATUSES = Set.of(400, 403, 405, 408, 413, 414, 429, 431, 500, 501, 502, 503, 504);

    private static final int MAX_SIZE = 64 * 1024;

    private final String source;
    private final int status;
    private final String reason;
    private final List<Map.Entry<String, String>> headers;
    private final byte[] body;

    private ErrorPage(String source, int status, String reason, List<Map.Entry<String, String>> headers, byte[] body) {
        this.source = source;
        this.status = status;
        this.reason = reason;
        this.headers = List.copyOf(headers);
        this.body = body;
    }

    /**
     * Reads the page for {@code status} from {@code file}.
     *
     * @throws IllegalArgumentException when the file cannot be read, is too large (64 KiB) or is
     *     not a valid page; the message names the file and the line
     */
    public static ErrorPage read(int status, Path file) {
        byte[] content;
        try {
            if (Files.size(file) > MAX_SIZE) {
                throw new IllegalArgumentException(file + ": an error page must be at most 64 KiB");
            }
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
        return parse(status, content, file.toString());
    }

    /**
     * The page for {@code status} in {@code content}, read from {@code source} (named in errors).
     *
     * @throws IllegalArgumentException when it is not a valid page
     */
    public static ErrorPage parse(int status, byte[] content, String source) {
        if (!STATUSES.contains(status)) {
            throw new IllegalArgumentException(
                    "Tandem never answers " + status + " itself; error pages are for " + new TreeSet<>(STATUSES));
        }
        if (!startsWith(content, "HTTP/1.")) {
            return new ErrorPage(
                    source, status, null, List.of(Map.entry("Content-Type", "text/html; charset=utf-8")), content);
        }
        String text = new String(content, StandardCharsets.ISO_8859_1);
        int pos = 0;
        int lineNo = 0;
        int code = 0;
        String reason = null;
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        while (true) {
            lineNo++;
            int nl = text.indexOf('\n', pos);
            if (nl < 0) {
                throw new IllegalArgumentException(
                        source + " line " + lineNo + ": the head does not end with an empty line");
            }
            String line = text.substring(pos, nl > pos && text.charAt(nl - 1) == '\r' ? nl - 1 : nl);
            pos = nl + 1;
            if (lineNo == 1) {
                String[] parts = line.split(" ", 3);
                if (parts.length < 2 || !parts[0].matches("HTTP/1\\.[01]") || !parts[1].matches("[1-5][0-9][0-9]")) {
                    throw new IllegalArgumentException(
                            source + " line 1: expected a status line such as 'HTTP/1.1 503 Service Unavailable'");
                }
                code = Integer.parseInt(parts[1]);
                if (code < 200) {
                    throw new IllegalArgumentException(
                            source + " line 1: an error page cannot be a " + code + " response");
                }
                reason = parts.length == 3 && !parts[2].isBlank() ? parts[2] : null;
                checkText(reason == null ? "" : reason, source, lineNo);
                continue;
            }
            if (line.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            String name = colon <= 0 ? "" : line.substring(0, colon);
            if (name.isEmpty()
                    || !name.chars().allMatch(c -> c > 0x20 && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0)) {
                throw new IllegalArgumentException(source + " line " + lineNo + ": expected 'Name: value'");
            }
            String value = line.substring(colon + 1).trim();
            checkText(value, source, lineNo);
            headers.add(Map.entry(name, value));
        }
        byte[] body = Arrays.copyOfRange(content, pos, content.length);
        List<Map.Entry<String, String>> kept = new ArrayList<>();
        for (Map.Entry<String, String> h : headers) {
            switch (h.getKey().toLowerCase(Locale.ROOT)) {
                case "transfer-encoding" ->
                    throw new IllegalArgumentException(source
                            + ": Transfer-Encoding is not allowed; Tandem sends the body with its Content-Length");
                case "content-length" -> {
                    if (!h.getValue().equals(Integer.toString(body.length))) {
                        throw new IllegalArgumentException(
                                source + ": Content-Length " + h.getValue() + " but the body has " + body.length
                                        + " bytes (leave Content-Length out: Tandem sets it)");
                    }
                }
                case "connection", "keep-alive" -> {
                    // Tandem's own answers close the connection and say so themselves.
                }
                default -> kept.add(h);
            }
        }
        return new ErrorPage(source, code, reason, kept, body);
    }

    private static void checkText(String s, String source, int line) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                throw new IllegalArgumentException(source + " line " + line + ": control character in the head");
            }
        }
    }

    private static boolean startsWith(byte[] content, String prefix) {
        if (content.length < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (content[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The file it was read from. */
    public String source() {
        return source;
    }

    /** The status sent: the file's for a whole response, otherwise the one it replaces. */
    public int status() {
        return status;
    }

    /** The file's reason phrase, or null for the status's usual one. */
    public String reason() {
        return reason;
    }

    /** The headers to send, in order (without framing headers). */
    public List<Map.Entry<String, String>> headers() {
        return headers;
    }

    /** The body; not to be modified. */
    public byte[] body() {
        return body;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ErrorPage p
                && status == p.status
                && source.equals(p.source)
                && Objects.equals(reason, p.reason)
                && headers.equals(p.headers)
                && Arrays.equals(body, p.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(source, status, headers) * 31 + Arrays.hashCode(body);
    }

    @Override
    public String toString() {
        return "ErrorPage[" + status + " from " + source + "]";
    }
}
