package org.tandemlb.core.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntSupplier;

/**
 * A real nginx ({@code /usr/sbin/nginx}, Debian package nginx-light) run by a test: a child
 * process in the foreground, listening on 127.0.0.1, with everything it writes (config, logs, PID
 * file, temporary files, the document root) in its own temporary directory.
 *
 * <pre>{@code
 * try (NginxServer web1 = NginxServer.builder()
 *         .server("location / { return 200 \"web1\\n\"; }\nlocation = /health { }")
 *         .file("health", "ok\n")
 *         .start()) {
 *     ... web1.address() ...
 *     web1.deleteFile("health");   // /health now answers 404
 * }
 * }</pre>
 *
 * <p>The {@code server} body may use any directive of nginx-light (return, root, try_files,
 * proxy_pass, ...); the document root is {@link #root()}. Nginx cannot be told to bind port 0,
 * so the port is drawn at random and another one is tried when it is taken
 * ({@link ExternalProcesses#startOnFreePort}).
 */
public final class NginxServer extends ExternalServer {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private final Path nginx;
    private final Path root;
    private final Path conf;
    private final Path accessLog;
    private final String serverBody;
    private final String httpDirectives;
    private final String listenParameters;

    private NginxServer(Builder builder, Path dir) {
        super("nginx", dir, dir.resolve("logs/error.log"), dir.resolve("logs/nginx.pid"), STARTUP_TIMEOUT, STOP_GRACE);
        this.nginx = ExternalProcesses.requireBinary("nginx-light", "/usr/sbin/nginx", "nginx");
        this.root = dir.resolve("root");
        this.conf = dir.resolve("conf/nginx.conf");
        this.accessLog = dir.resolve("logs/access.log");
        this.serverBody = builder.serverBody;
        this.httpDirectives = builder.httpDirectives;
        this.listenParameters = builder.listenParameters;
        try {
            for (String sub : List.of(
                    "conf",
                    "logs",
                    "root",
                    "temp/client_body",
                    "temp/proxy",
                    "temp/fastcgi",
                    "temp/uwsgi",
                    "temp/scgi")) {
                Files.createDirectories(dir.resolve(sub));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        builder.files.forEach(this::writeFile);
    }

    /** Starts nginx whose {@code server} block holds {@code serverBody}. */
    public static NginxServer start(String serverBody) {
        return builder().server(serverBody).start();
    }

    /** A builder for a server with files in its document root or extra {@code http} directives. */
    public static Builder builder() {
        return new Builder();
    }

    /** Configures an {@link NginxServer} before it starts. */
    public static final class Builder {
        private String serverBody = "location / { return 200 \"nginx\\n\"; }";
        private String httpDirectives = "";
        private String listenParameters = "";
        private final Map<String, String> files = new LinkedHashMap<>();
        private IntSupplier ports = ExternalProcesses::randomPort;

        private Builder() {}

        /**
         * The directives inside {@code server { ... }}, after the generated {@code listen},
         * {@code server_name} and {@code root}; by default one location answering "nginx".
         */
        public Builder server(String serverBody) {
            this.serverBody = Objects.requireNonNull(serverBody, "serverBody");
            return this;
        }

        /** Extra directives inside {@code http { ... }}, before the server block (an {@code upstream}, say). */
        public Builder http(String httpDirectives) {
            this.httpDirectives = Objects.requireNonNull(httpDirectives, "httpDirectives");
            return this;
        }

        /**
         * Parameters of the generated {@code listen} directive after the address: {@code ssl} (with
         * {@code ssl_certificate} and {@code ssl_certificate_key} in the server body), or
         * {@code proxy_protocol} (every connection must then start with a PROXY protocol header).
         */
        public Builder listenParameters(String parameters) {
            this.listenParameters = Objects.requireNonNull(parameters, "parameters");
            return this;
        }

        /** A file written into the document root before nginx starts; see {@link #writeFile}. */
        public Builder file(String relativePath, String content) {
            files.put(Objects.requireNonNull(relativePath, "relativePath"), Objects.requireNonNull(content, "content"));
            return this;
        }

        /** Where the ports to try come from; for the test of the port retry. */
        Builder ports(IntSupplier ports) {
            this.ports = Objects.requireNonNull(ports, "ports");
            return this;
        }

        /** Starts nginx and returns once it accepts connections. */
        public NginxServer start() {
            NginxServer server = new NginxServer(this, ExternalProcesses.createTempDir("tandem-nginx-"));
            server.startOnFreePort(ports);
            return server;
        }
    }

    @Override
    protected List<String> command(int candidatePort) throws IOException {
        Files.writeString(conf, config(candidatePort));
        return List.of(
                nginx.toString(),
                "-p",
                dir + "/",
                "-c",
                conf.toString(),
                "-e",
                errorLog().toString());
    }

    @Override
    protected boolean ready(Process started, int candidatePort) {
        // nginx writes its PID file only after it has bound every listening socket, so the file
        // tells that the port is ours and not some other process's that happens to accept.
        return pidFileNames(started)
                && ExternalProcesses.acceptsConnections(new InetSocketAddress("127.0.0.1", candidatePort));
    }

    private String config(int listenPort) {
        String temp = dir.resolve("temp") + "/";
        return String.join(
                "\n",
                // One process in the foreground, the one we started: its PID is the one to signal,
                // and it never switches to another user (no "user" directive needed as root).
                "daemon off;",
                "master_process off;",
                "worker_processes 1;",
                "pid " + pidFile() + ";",
                "error_log " + errorLog() + " notice;",
                "events { worker_connections 1024; }",
                "http {",
                "  types { text/html html; text/plain txt; application/json json; }",
                "  default_type text/plain;",
                "  access_log " + accessLog + ";",
                "  client_body_temp_path " + temp + "client_body;",
                "  proxy_temp_path " + temp + "proxy;",
                "  fastcgi_temp_path " + temp + "fastcgi;",
                "  uwsgi_temp_path " + temp + "uwsgi;",
                "  scgi_temp_path " + temp + "scgi;",
                httpDirectives,
                "  server {",
                "    listen 127.0.0.1:" + listenPort + (listenParameters.isEmpty() ? "" : " " + listenParameters) + ";",
                "    server_name localhost;",
                "    root " + root + ";",
                serverBody,
                "  }",
                "}",
                "");
    }

    /** {@code http://127.0.0.1:PORT} followed by {@code path} (which starts with {@code /}). */
    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    /** The document root ({@code root} in every server block). */
    public Path root() {
        return root;
    }

    /**
     * nginx's access log, in the default "combined" format, written unbuffered; a benchmark can
     * put {@code access_log off;} in its server body.
     */
    public Path accessLog() {
        return accessLog;
    }

    /**
     * Writes (or replaces) {@code relativePath} under the document root, creating its directories;
     * nginx serves the new content from the next request on.
     */
    public Path writeFile(String relativePath, String content) {
        Path file = resolveInRoot(relativePath);
        try {
            Files.createDirectories(file.getParent());
            // Written beside and moved into place, so nginx never serves half a file.
            Path partial = Files.createTempFile(file.getParent(), ".partial-", "");
            Files.writeString(partial, content);
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes {@code relativePath} under the document root, if it exists. */
    public void deleteFile(String relativePath) {
        try {
            Files.deleteIfExists(resolveInRoot(relativePath));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path resolveInRoot(String relativePath) {
        Path file = root.resolve(relativePath.startsWith("/") ? relativePath.substring(1) : relativePath)
                .normalize();
        if (!file.startsWith(root)) {
            throw new IllegalArgumentException(relativePath + " is outside the document root");
        }
        return file;
    }
}
