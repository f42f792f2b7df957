package org.tandemlb.core.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;

/**
 * The syntax of an HTTP/1.1 request head, checked on its bytes before Netty's decoder reads them
 * ({@link RequestDecoder}), because the decoder forgives what a front door must not: it unfolds
 * obsolete folded lines, skips whitespace before the request line, and reads a head it then
 * normalizes. What is refused, each with 400 unless said (RFC 9112 sections):
 *
 * <ul>
 *   <li>a request line that is not {@code method SP request-target SP HTTP-version CRLF} with
 *       single spaces (§3): a method that is not a token, a target with a control character,
 *       a space or a byte outside ASCII, a missing version (HTTP/0.9); a version other than
 *       {@code HTTP/1.0} or {@code HTTP/1.1} is 505 when well formed (§2.3);
 *   <li>whitespace before the request line or before the first header (§2.2), an obsolete folded
 *       line (§5.2), whitespace between a field name and its colon (§5.1);
 *   <li>a field name that is not a token, a field value with a control character but tab (NUL,
 *       CR, LF, DEL among them), a line that does not end with CRLF (a bare LF or CR, §2.2);
 *   <li>more than one {@code Content-Length} field, {@code Content-Length} beside
 *       {@code Transfer-Encoding} (§6.3: a smuggling vector), {@code Transfer-Encoding} in
 *       HTTP/1.0 (§6.1), no {@code Host} in HTTP/1.1 or more than one (§3.2).
 * </ul>
 *
 * <p>Empty lines before the request line are skipped, as §2.2 allows. What needs the parsed
 * request (the value of {@code Content-Length}, the transfer codings, {@code Host} against the
 * target) is {@link RequestPolicy}'s, for HTTP/2 streams too. Stateless.
 */
final class RequestHeadCheck {
    private static final byte[] HTTP = "HTTP/".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH = "content-length".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRANSFER_ENCODING = "transfer-encoding".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HOST = "host".getBytes(StandardCharsets.US_ASCII);

    private RequestHeadCheck() {}

    /**
     * Checks the head {@code b[0, n)}, which ends with its empty line.
     *
     * @return null when it may be read, otherwise why not
     */
    static RequestRefused check(byte[] b, int n) {
        int p = 0;
        while (p + 1 < n && b[p] == '\r' && b[p + 1] == '\n') {
            p += 2;
        }
        // The request line.
        int methodEnd = p;
        while (methodEnd < n && FieldSyntax.token(b[methodEnd])) {
            methodEnd++;
        }
        if (methodEnd == p || methodEnd >= n || b[methodEnd] != ' ') {
            return bad(p < n && (b[p] == ' ' || b[p] == '\t') ? "whitespace before the request line" : "bad method");
        }
        int targetEnd = methodEnd + 1;
        while (targetEnd < n && b[targetEnd] > ' ' && b[targetEnd] < 0x7f) {
            targetEnd++;
        }
        if (targetEnd == methodEnd + 1) {
            return bad("bad request target");
        }
        if (b[targetEnd] == '\r' || b[targetEnd] == '\n') {
            return bad("no HTTP version (HTTP/0.9)");
        }
        if (b[targetEnd] != ' ') {
            return bad("bad request target");
        }
        int v = targetEnd + 1;
        boolean http10;
        if (v + 10 <= n && regionIs(b, v, HTTP) && digit(b[v + 5]) && b[v + 6] == '.' && digit(b[v + 7])) {
            if (b[v + 8] != '\r' || b[v + 9] != '\n') {
                return bad("bad HTTP version");
            }
            if (b[v + 5] != '1' || (b[v + 7] != '0' && b[v + 7] != '1')) {
                return new RequestRefused(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, "HTTP version not supported");
            }
            http10 = b[v + 7] == '0';
        } else {
            return bad("bad HTTP version");
        }
        p = v + 10;
        // The fields, up to the empty line.
        int contentLengths = 0;
        int hosts = 0;
        boolean transferEncoding = false;
        while (p < n) {
            if (b[p] == '\r' && p + 1 < n && b[p + 1] == '\n') {
                break; // the empty line
            }
            if (b[p] == ' ' || b[p] == '\t') {
                return bad("folded line or whitespace before a field");
            }
            int nameEnd = p;
            while (nameEnd < n && FieldSyntax.token(b[nameEnd])) {
                nameEnd++;
            }
            if (nameEnd == p || nameEnd >= n || b[nameEnd] != ':') {
                return bad(
                        nameEnd < n && (b[nameEnd] == ' ' || b[nameEnd] == '\t')
                                ? "whitespace before a colon"
                                : "bad field name");
            }
            int e = nameEnd + 1;
            while (e < n && FieldSyntax.valueByte(b[e])) {
                e++;
            }
            if (e + 1 >= n || b[e] != '\r' || b[e + 1] != '\n') {
                return bad("control character or bare CR/LF in a field");
            }
            if (nameIs(b, p, nameEnd, CONTENT_LENGTH)) {
                contentLengths++;
            } else if (nameIs(b, p, nameEnd, TRANSFER_ENCODING)) {
                transferEncoding = true;
            } else if (nameIs(b, p, nameEnd, HOST)) {
                hosts++;
            }
            p = e + 2;
        }
        if (contentLengths > 1) {
            return bad("more than one Content-Length");
        }
        if (transferEncoding && (contentLengths > 0 || http10)) {
            return bad(http10 ? "Transfer-Encoding in HTTP/1.0" : "Content-Length and Transfer-Encoding");
        }
        if (hosts > 1 || (hosts == 0 && !http10)) {
            return bad(hosts > 1 ? "more than one Host" : "no Host");
        }
        return null;
    }

    /** Whether head {@code b[0, n)}, one {@link #check} let through, has a Transfer-Encoding field. */
    static boolean hasTransferEncoding(byte[] b, int n) {
        for (int p = 0; p < n; p++) {
            if (b[p] == '\n' && p + 1 + TRANSFER_ENCODING.length < n && b[p + 1 + TRANSFER_ENCODING.length] == ':') {
                if (nameIs(b, p + 1, p + 1 + TRANSFER_ENCODING.length, TRANSFER_ENCODING)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static RequestRefused bad(String why) {
        return new RequestRefused(HttpResponseStatus.BAD_REQUEST, why);
    }

    private static boolean digit(byte c) {
        return c >= '0' && c <= '9';
    }

    private static boolean regionIs(byte[] b, int at, byte[] expected) {
        for (int i = 0; i < expected.length; i++) {
            if (b[at + i] != expected[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code b[start, end)} is {@code lowerCase}, ignoring ASCII case. */
    private static boolean nameIs(byte[] b, int start, int end, byte[] lowerCase) {
        if (end - start != lowerCase.length) {
            return false;
        }
        for (int i = 0; i < lowerCase.length; i++) {
            if ((b[start + i] | 0x20) != lowerCase[i]) {
                return false;
            }
        }
        return true;
    }
}
