package org.tandemlb.admin.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.tandemlb.core.config.Names;

/**
 * Reads Tandem's YAML config file (docs/configuration.md) into a {@link TandemConfig}: lb-core's
 * {@link org.tandemlb.core.config.LoadBalancerConfig} plus the daemon's own settings. Every problem
 * of a file is reported at once, each with its file, line and column and the path of its key (see
 * {@link ConfigProblem} for the positions and the path convention). The user reference of every
 * key is {@code docs/configuration.md}.
 *
 * <h2>Rules</h2>
 * <ul>
 * <li><b>Keys</b> are snake_case. An unknown key is an error at the key, with the closest known key
 *     suggested when it is at most two edits away ({@code unknown key 'intervall'; did you mean
 *     'interval'?}). A key twice in one mapping is an error at the second one. A list where a
 *     mapping is expected (or any other wrong kind of node) is an error at that node. A key written
 *     with nothing after it ({@code key:} or {@code key: ~}) counts as absent: it takes its default,
 *     and a required key so written is an error at it ({@code needs a value}).</li>
 * <li><b>Scalars</b> are read as text and the key decides what they must be, whatever YAML thinks
 *     they are: booleans are exactly {@code true} or {@code false} (not {@code yes}/{@code on});
 *     integers are decimal and range-checked; strings are taken as written. YAML aliases
 *     ({@code *name}) are refused; anchors are harmless but useless; only one document per file.</li>
 * <li><b>Environment.</b> In every scalar value (never in keys), {@code ${VAR}} is replaced by
 *     VAR's value from {@code env} and {@code ${VAR:-default}} by VAR's value, or {@code default}
 *     when VAR is unset or empty (as in a shell). {@code ${VAR}} with VAR unset is an error at
 *     the value: {@code environment variable VAR is not set}. Replacement comes before the value is
 *     interpreted, so {@code priority: ${PRIO:-100}} is a number. Inside flow collections
 *     ({@code { }}, {@code [ ]}) a value holding {@code ${...}} must be quoted, since YAML reads
 *     its braces.</li>
 * <li><b>Durations</b>: {@code 500ms}, {@code 2s}, {@code 5m}, {@code 1h}, or combined from the
 *     largest unit down ({@code 1m30s}). A bare number is an error ({@code '5' needs a unit: ms, s,
 *     m or h}), as is a negative or fractional one. {@link Units#parseSize} reads sizes
 *     ({@code 16KiB}, {@code 1MiB}, {@code 1GiB}, plain bytes), which no key uses yet.</li>
 * <li><b>Names</b> of frontends, backends, servers, the node and the cluster match
 *     {@code [A-Za-z0-9_.-]+}. Two frontends, two backends, or two servers of one backend with the
 *     same name: an error at the second name.</li>
 * <li><b>Addresses</b> are {@code host:port} or {@code [ipv6]:port}; without a port an error
 *     ({@code '10.0.0.1' has no port (write host:port)}). Port 0 (any free port) is allowed for
 *     listeners (frontend {@code bind}, {@code admin.listen}), not for servers, peers, the cluster's
 *     {@code bind} or the tiebreaker. Host names are not resolved here.</li>
 * <li><b>{@code node}</b> defaults to the host name: {@code HOSTNAME} from {@code env}, else the
 *     first line of {@code /etc/hostname}, else {@code tandem} (never a DNS look-up, so loading
 *     cannot hang); a host name that is not a valid name gives {@code tandem}.</li>
 * <li><b>{@code admin}</b>: {@code listen} (default 127.0.0.1:9000) and {@code token} (default
 *     none). A listen address other than 127.0.0.0/8, ::1 or localhost without a token is an error
 *     at {@code admin.listen}.</li>
 * <li><b>{@code defaults}</b>: {@code timeouts}, {@code retries} (default 3) and
 *     {@code health_check}, inherited key by key: a frontend's or backend's own
 *     {@code timeouts.client} replaces only that timeout. Timeouts not set anywhere are lb-core's
 *     {@link org.tandemlb.core.config.Timeouts#DEFAULTS}. Every timeout must be more than 0 except
 *     {@code drain}, which may be {@code 0s}.</li>
 * <li><b>Frontends</b>: {@code name}, {@code bind} (a string or a list) and {@code default_backend}
 *     are required; {@code mode} defaults to http; {@code routes} need mode http, each with
 *     {@code host} and/or {@code path_prefix} and a {@code backend}; {@code access_log} defaults to
 *     text on stdout; {@code accept_proxy} defaults to false; {@code tls} has its certificate and
 *     key files read and checked (see TlsRules); {@code h2c} and {@code http2} need mode http.
 *     {@code redirect_https} (with an optional
 *     {@code redirect_https_port}) and {@code hsts} need mode http; {@code hsts} needs {@code tls},
 *     {@code redirect_https} a frontend without it. {@code retries} or {@code health_check} on a
 *     frontend are errors that point to the backend.</li>
 * <li><b>Backends</b>: {@code name} required; mode http, balance roundrobin, no slow start,
 *     passive checks off, {@code send_proxy: none} by default;
 *     servers with weight 0-256 (default 1), {@code backup} (default false), {@code max_connections}
 *     (default 0, no limit).</li>
 * <li><b>Health checks</b>: a backend has an active check when it or {@code defaults} has a
 *     {@code health_check} section; the two are merged key by key, {@code type} included, and
 *     {@code type} defaults to tcp; {@code type: none} turns checking off. The keys of one type
 *     ({@code method}, {@code path}, {@code host}, {@code expect_status}, {@code expect_body} for http;
 *     {@code user} for mysql) written in a backend's section whose type is another are errors at
 *     the key; in {@code defaults} they are allowed unless that section sets another type itself,
 *     and inherited ones that do not apply to a backend's type are ignored. The default is
 *     HAProxy's: interval 2s, rise 2, fall 3, timeout = interval; its {@code send_proxy} defaults
 *     to the backend's.</li>
 * <li><b>References</b>: a {@code default_backend} or route {@code backend} that names no backend is
 *     an error at that value ({@code backend 'webb' is not defined; did you mean 'web'?}); one whose
 *     mode differs from the frontend's is an error there too, naming both modes.</li>
 * <li><b>Cluster</b> (optional; without it the node runs solo): {@code bind}, {@code peers} (at
 *     least one) and {@code secret} are required, the secret not empty after substitution;
 *     {@code name} defaults to {@code tandem}, {@code priority} to 100 (0-255), {@code preempt}
 *     to false; {@code tiebreaker} is optional. A VIP's {@code address} is an IPv4 or IPv6 literal
 *     with a prefix length; {@code driver} is linux (default, needs {@code interface}), bind or
 *     script.</li>
 * </ul>
 *
 * <p>Checks are made on the YAML tree so that each problem has its exact position; the records
 * are then built, and an {@link IllegalArgumentException} one of them still throws is reported at
 * the object that failed rather than escaping.
 */
public final class ConfigLoader {

    private ConfigLoader() {}

    /**
     * Reads and checks {@code file}.
     *
     * @param env the environment for {@code ${VAR}}, usually {@link System#getenv()}
     * @throws ConfigException with every problem found, when the file is not valid
     * @throws IOException     when the file cannot be read
     */
    public static TandemConfig load(Path file, Map<String, String> env) throws ConfigException, IOException {
        byte[] bytes = Files.readAllBytes(file);
        String text;
        try {
            // A strict decoder: a file in Latin-1 gets one clear problem, not garbled names.
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(
                    List.of(new ConfigProblem(file.toString(), 1, 1, "", "the file is not valid UTF-8")));
        }
        return parse(file.toString(), text, env);
    }

    /**
     * Checks {@code yamlText}; problems name {@code fileNameForMessages}.
     *
     * @throws ConfigException with every problem found, when the text is not valid
     */
    public static TandemConfig parse(String fileNameForMessages, String yamlText, Map<String, String> env)
            throws ConfigException {
        Objects.requireNonNull(fileNameForMessages, "fileNameForMessages");
        Objects.requireNonNull(yamlText, "yamlText");
        Objects.requireNonNull(env, "env");
        List<ConfigProblem> problems = new ArrayList<>();
        if (yamlText.startsWith("\uFEFF")) {
            yamlText = yamlText.substring(1);
        }
        YamlNode root = YamlReader.read(fileNameForMessages, yamlText, problems);
        TandemConfig config = null;
        if (root != null) {
            config = new ConfigInterpreter(fileNameForMessages, env, defaultNodeName(env), problems).interpret(root);
        }
        if (!problems.isEmpty() || config == null) {
            if (problems.isEmpty()) {
                // Cannot happen: the interpreter returns null only with a problem. Never lose a failure.
                problems.add(new ConfigProblem(fileNameForMessages, 1, 1, "", "the file could not be read"));
            }
            // distinct(): a safety net, so that no path of the interpreter can print a line twice.
            throw new ConfigException(problems.stream().distinct().toList());
        }
        return config;
    }

    /**
     * The node name used when the file sets none: {@code HOSTNAME}, then {@code /etc/hostname},
     * then {@code tandem}. No DNS look-up ({@code InetAddress.getLocalHost()} can hang on a host
     * whose name does not resolve).
     */
    static String defaultNodeName(Map<String, String> env) {
        String host = env.get("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                Path etc = Path.of("/etc/hostname");
                if (Files.isReadable(etc)) {
                    host = Files.readAllLines(etc, StandardCharsets.UTF_8).stream()
                            .map(String::trim)
                            .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                            .findFirst()
                            .orElse(null);
                }
            } catch (IOException | RuntimeException e) {
                host = null;
            }
        }
        host = host == null ? null : host.trim();
        return Names.isValid(host) ? host : "tandem";
    }

    /** What went wrong reading a file, in words (Java's messages repeat the path, or say nothing). */
    public static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason(); // "Is a directory", ...
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
