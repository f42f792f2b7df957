package org.tandemlb.admin.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Objects;
import org.tandemlb.core.config.HostPort;

/**
 * A client of the admin API (docs/admin-api.md) for {@code tandem ctl}: {@link #get} and
 * {@link #post} return the body of a 2xx answer and turn everything else into an
 * {@link CtlException} whose message a user can act on (the daemon's own {@code error} text
 * for 400 and 404, what to do for 401, "is tandem running?" when nothing listens).
 */
public final class AdminClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** A reload reads the file and may bind new listeners and open TLS files: give it time. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final HostPort address;
    private final String token;
    private final HttpClient http;

    /**
     * A client of the admin API on {@code address}.
     *
     * @param token the admin token sent with every call, or empty for none
     */
    public AdminClient(HostPort address, String token) {
        this.address = Objects.requireNonNull(address, "address");
        this.token = Objects.requireNonNull(token, "token");
        this.http = HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /** Where the admin API is. */
    public HostPort address() {
        return address;
    }

    /**
     * The body of {@code GET path}, e.g. {@code get("/api/v1/status")}.
     *
     * @throws CtlException when the daemon cannot be reached or does not answer 2xx
     */
    public String get(String path) {
        return send(request(path).GET().build());
    }

    /**
     * The body of {@code POST path} with the JSON {@code body}.
     *
     * @throws CtlException when the daemon cannot be reached or does not answer 2xx
     */
    public String post(String path, String body) {
        return send(request(path)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    /** {@link #get} read as JSON. */
    public JsonNode getJson(String path) {
        return parse(get(path));
    }

    /** {@link #post} read as JSON. */
    public JsonNode postJson(String path, String body) {
        return parse(post(path, body));
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(REQUEST_TIMEOUT);
        if (!token.isEmpty()) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private URI uri(String path) {
        String host = address.host();
        // An IPv6 literal goes in brackets; a wildcard listen address is reached on loopback.
        if (host.equals("0.0.0.0") || host.isEmpty()) {
            host = "127.0.0.1";
        } else if (host.equals("::") || host.equals("[::]")) {
            host = "[::1]";
        } else if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + address.port() + path);
    }

    private String send(HttpRequest request) {
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new CtlException(
                    "cannot reach the admin API at " + address
                            + ": connection refused (is tandem running? is admin.listen " + address + "?)",
                    e);
        } catch (HttpConnectTimeoutException e) {
            throw new CtlException("cannot reach the admin API at " + address + ": no answer to connect", e);
        } catch (HttpTimeoutException e) {
            throw new CtlException(
                    "the admin API at " + address + " did not answer " + request.method() + " "
                            + request.uri().getPath() + " within " + REQUEST_TIMEOUT.toSeconds() + "s",
                    e);
        } catch (IOException e) {
            throw new CtlException("cannot talk to the admin API at " + address + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CtlException("interrupted", e);
        }
        int status = response.statusCode();
        if (status / 100 == 2) {
            return response.body();
        }
        String error = errorText(response.body());
        String what = request.method() + " " + request.uri().getPath();
        String message = switch (status) {
            case 401 ->
                token.isEmpty()
                        ? what + ": the admin API needs the token: give --token, set TANDEM_ADMIN_TOKEN,"
                                + " or read admin.token from the config file with -c"
                        : what + ": the admin API refused the token (" + error + ")";
            case 404, 400, 409 -> error;
            default -> what + ": the admin API answered " + status + ": " + error;
        };
        throw new CtlException(status, message, response.body());
    }

    /** The {@code error} field of a JSON error body, else the body itself. */
    private static String errorText(String body) {
        try {
            JsonNode node = JSON.readTree(body);
            if (node != null && node.hasNonNull("error")) {
                return node.get("error").asText();
            }
        } catch (IOException e) {
            // not JSON: the body as it is
        }
        return body.strip();
    }

    private JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new CtlException("the admin API at " + address + " answered something that is not JSON", e);
        }
    }
}
