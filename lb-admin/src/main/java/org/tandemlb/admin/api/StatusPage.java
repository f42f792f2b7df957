package org.tandemlb.admin.api;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The status page, {@code GET /}: one self-contained HTML file ({@code status.html} beside this
 * class) whose script polls {@code /api/v1/status} and {@code /api/v1/events}, and every few
 * seconds {@code /api/v1/history} for its sparklines (inline SVG it draws itself). It is served with a Content-Security-Policy
 * that allows exactly its own inline script and style (by their SHA-256) and requests to this
 * server: should a server-provided string ever reach the page as markup, no script would run.
 */
final class StatusPage {
    private static final Pattern SCRIPT = Pattern.compile("<script>(.*?)</script>", Pattern.DOTALL);
    private static final Pattern STYLE = Pattern.compile("<style>(.*?)</style>", Pattern.DOTALL);

    private static final AdminHandler.Reply REPLY = load();

    private StatusPage() {}

    /** The page, with its security headers. */
    static AdminHandler.Reply reply() {
        return REPLY;
    }

    private static AdminHandler.Reply load() {
        String html;
        try (InputStream in = StatusPage.class.getResourceAsStream("status.html")) {
            if (in == null) {
                throw new IllegalStateException("status.html is missing from the class path");
            }
            html = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read status.html", e);
        }
        String csp = "default-src 'none'; script-src " + hashes(SCRIPT, html) + "; style-src " + hashes(STYLE, html)
                + "; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        return new AdminHandler.Reply(
                HttpResponseStatus.OK,
                "text/html; charset=utf-8",
                html.getBytes(StandardCharsets.UTF_8),
                Map.of(
                        "Content-Security-Policy", csp,
                        "X-Frame-Options", "DENY",
                        "Referrer-Policy", "no-referrer"));
    }

    /** {@code 'sha256-...'} of every block the pattern finds (CSP Level 2 hash sources). */
    static String hashes(Pattern block, String html) {
        StringBuilder out = new StringBuilder();
        Matcher m = block.matcher(html);
        while (m.find()) {
            out.append(out.length() == 0 ? "" : " ")
                    .append("'sha256-")
                    .append(sha256(m.group(1)))
                    .append("'");
        }
        return out.length() == 0 ? "'none'" : out.toString();
    }

    private static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
