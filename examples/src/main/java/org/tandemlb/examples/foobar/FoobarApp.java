package org.tandemlb.examples.foobar;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The application server of the www.foobar.com example ({@code examples/foobar}): a JSON API for a
 * guestbook, behind Nginx, on the JDK's own HTTP server.
 *
 * <pre>
 * GET  /api/health    {"app": "app1", "status": "ok"}                         (no database)
 * GET  /api/entries   {"app": "app1", "db": "db-replica", "entries": [...]}   (read frontend)
 * POST /api/entries   name=...&amp;message=...  201 {"app": "app1", "db": "db-primary", "id": 7}
 *                     503 {"app": "app1", "error": "writes unavailable: ..."} (write frontend)
 * </pre>
 *
 * <p>Run with {@code --name=app1 --listen=127.0.0.31:8000 --write=127.0.0.100:3306
 * --read=127.0.0.100:3307 --user=foobar}, the password in {@code FOOBAR_DB_PASSWORD}. The database
 * timeouts are short on purpose: with the primary down, a write fails within seconds with a clear
 * error instead of hanging the page.
 */
public final class FoobarApp {

    private static final int MAX_BODY = 16 * 1024;

    private final String name;
    private final Guestbook guestbook;

    private FoobarApp(String name, Guestbook guestbook) {
        this.name = name;
        this.guestbook = guestbook;
    }

    /** Starts the server; it stops on SIGTERM or SIGINT, letting requests in flight finish for up to 1 s. */
    public static void main(String[] args) throws IOException {
        Map<String, String> options = options(args);
        String name = options.getOrDefault("name", "app");
        String password = System.getenv().getOrDefault("FOOBAR_DB_PASSWORD", "");
        ConnectionPool writes = pool(options.getOrDefault("write", "127.0.0.100:3306"), options, password);
        ConnectionPool reads = pool(options.getOrDefault("read", "127.0.0.100:3307"), options, password);
        FoobarApp app = new FoobarApp(name, new Guestbook(writes, reads));

        HostAndPort listen = HostAndPort.parse(options.getOrDefault("listen", "127.0.0.1:8000"));
        HttpServer server = HttpServer.create(new InetSocketAddress(listen.host(), listen.port()), 128);
        AtomicInteger threads = new AtomicInteger();
        // Blocking JDBC calls: one thread per request in flight, bounded like the pools.
        ExecutorService executor = Executors.newFixedThreadPool(16, task -> {
            Thread thread = new Thread(task, name + "-http-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/api/", app::handle);
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(1);
            executor.shutdown();
            writes.close();
            reads.close();
        }));
        System.out.println(name + " listening on http://" + listen.host() + ":" + listen.port() + "/api/");
    }

    private static ConnectionPool pool(String address, Map<String, String> options, String password) {
        HostAndPort db = HostAndPort.parse(address);
        Properties properties = new Properties();
        properties.setProperty("user", options.getOrDefault("user", "foobar"));
        properties.setProperty("password", password);
        properties.setProperty("connectTimeout", "2000");
        properties.setProperty("socketTimeout", "5000");
        String url = "jdbc:mariadb://" + db.host() + ":" + db.port() + "/" + options.getOrDefault("database", "foobar");
        return new ConnectionPool(url, properties, 8, Duration.ofSeconds(2), Duration.ofSeconds(30), System::nanoTime);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (path.equals("/api/health") && method.equals("GET")) {
                send(exchange, 200, "{\"app\": " + Json.quote(name) + ", \"status\": \"ok\"}");
            } else if (path.equals("/api/entries") && method.equals("GET")) {
                list(exchange);
            } else if (path.equals("/api/entries") && method.equals("POST")) {
                add(exchange);
            } else if (path.equals("/api/health") || path.equals("/api/entries")) {
                exchange.getResponseHeaders().set("Allow", path.equals("/api/health") ? "GET" : "GET, POST");
                send(exchange, 405, error("method not allowed"));
            } else {
                send(exchange, 404, error("no such resource: " + path));
            }
        }
    }

    private void list(HttpExchange exchange) throws IOException {
        Guestbook.Page page;
        try {
            page = guestbook.latest();
        } catch (SQLException e) {
            send(exchange, 503, error("reads unavailable: " + e.getMessage()));
            return;
        }
        String entries = page.entries().stream()
                .map(e -> "{\"id\": " + e.id() + ", \"name\": " + Json.quote(e.name()) + ", \"message\": "
                        + Json.quote(e.message()) + ", \"created\": " + Json.quote(e.created()) + "}")
                .collect(Collectors.joining(", ", "[", "]"));
        send(
                exchange,
                200,
                "{\"app\": " + Json.quote(name) + ", \"db\": " + Json.quote(page.server()) + ", \"entries\": " + entries
                        + "}");
    }

    private void add(HttpExchange exchange) throws IOException {
        Map<String, String> form = form(exchange.getRequestBody());
        String author = form.getOrDefault("name", "").strip();
        String message = form.getOrDefault("message", "").strip();
        if (form.isEmpty() || message.isEmpty() || message.length() > 500 || author.length() > 64) {
            send(exchange, 400, error("give a message (at most 500 characters) and a name (at most 64)"));
            return;
        }
        Guestbook.Written written;
        try {
            written = guestbook.add(author.isEmpty() ? "anonymous" : author, message);
        } catch (SQLException e) {
            String reason = e.getErrorCode() == ConnectionPool.READ_ONLY
                    ? "the primary database is down (only the read-only replica answers)"
                    : e.getMessage();
            send(exchange, 503, error("writes unavailable: " + reason));
            return;
        }
        send(
                exchange,
                201,
                "{\"app\": " + Json.quote(name) + ", \"db\": " + Json.quote(written.server()) + ", \"id\": "
                        + written.id() + "}");
    }

    private String error(String message) {
        return "{\"app\": " + Json.quote(name) + ", \"error\": " + Json.quote(message) + "}";
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = (json + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** An {@code application/x-www-form-urlencoded} body; empty when it is too long or absent. */
    private static Map<String, String> form(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(MAX_BODY + 1);
        Map<String, String> fields = new HashMap<>();
        if (bytes.length > MAX_BODY) {
            return fields;
        }
        for (String pair : new String(bytes, StandardCharsets.UTF_8).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                fields.put(
                        URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return fields;
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("options are --key=value, not " + arg);
            }
            options.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        return options;
    }

    private record HostAndPort(String host, int port) {
        static HostAndPort parse(String address) {
            int colon = address.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("not host:port: " + address);
            }
            return new HostAndPort(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
        }
    }

    /** JSON string quoting, enough for the few values this server writes. */
    static final class Json {
        private Json() {}

        static String quote(String value) {
            if (value == null) {
                return "null";
            }
            StringBuilder out = new StringBuilder(value.length() + 2).append('"');
            for (char c : value.toCharArray()) {
                switch (c) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    default -> {
                        if (c < 0x20 || c == '<' || c == '>' || c == '&') {
                            out.append(String.format("\\u%04x", (int) c));
                        } else {
                            out.append(c);
                        }
                    }
                }
            }
            return out.append('"').toString();
        }
    }
}
