package org.tandemlb.admin.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tandemlb.admin.config.AdminSettings;
import org.tandemlb.admin.config.ConfigException;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.core.config.HostPort;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code tandem ctl}: the admin API (docs/admin-api.md) from the shell. The subcommands that
 * read ({@code status}, {@code servers}) are classes of their own, listed in {@code subcommands};
 * those that change a server or reload are the methods below. Every subcommand reaches the daemon
 * through {@link #client()}: a class takes its parent with {@code @ParentCommand CtlCommand} and
 * calls {@code client().get("/api/v1/...")}.
 *
 * <p>Where the daemon is: {@code --admin HOST:PORT}, else {@code admin.listen} of the config
 * file ({@code -c FILE}, by default {@value #DEFAULT_CONFIG} when it exists and no
 * {@code --admin} is given), else {@code 127.0.0.1:9000}. The token: {@code --token}, else
 * {@code TANDEM_ADMIN_TOKEN}, else {@code admin.token} of the config file.
 *
 * <p>Exit codes, as the other commands': 0 success; 1 the daemon refused (401, 404, a bad value,
 * a refused reload) or could not be reached, the reason on stderr in one line; 2 bad usage.
 */
@Command(
        name = "ctl",
        mixinStandardHelpOptions = true,
        description = {
            "Drives a running tandem through its admin API.",
            "The address and token come from --admin/--token, TANDEM_ADMIN_TOKEN, or the config file (-c)."
        },
        subcommands = {CtlStatusCommand.class, CtlServersCommand.class, CtlEventsCommand.class},
        usageHelpAutoWidth = true)
public final class CtlCommand implements Callable<Integer> {

    /** The config file read when {@code -c} is not given, where the tarball's unit reads it. */
    static final String DEFAULT_CONFIG = "/etc/tandem/tandem.yaml";
    /** The environment variable of the admin token. */
    static final String TOKEN_ENV = "TANDEM_ADMIN_TOKEN";

    private static final ObjectMapper JSON = new ObjectMapper();
    /** {@code BACKEND/SERVER}, each a name as the config file allows them. */
    private static final Pattern TARGET = Pattern.compile("([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)");

    @Spec
    private CommandSpec spec;

    @Option(
            names = {"-c", "--config"},
            paramLabel = "FILE",
            scope = ScopeType.INHERIT,
            description = "The config file to read admin.listen and admin.token from (default: " + DEFAULT_CONFIG
                    + " when it exists).")
    private Path config;

    @Option(
            names = "--admin",
            paramLabel = "HOST:PORT",
            scope = ScopeType.INHERIT,
            description = "The admin API's address (default: admin.listen of the config file, else 127.0.0.1:9000).")
    private String admin;

    @Option(
            names = "--token",
            paramLabel = "TOKEN",
            scope = ScopeType.INHERIT,
            description = "The admin token (default: $" + TOKEN_ENV + ", else admin.token of the config file).")
    private String token;

    /** {@code tandem ctl} alone: the usage, on stderr, exit 2. */
    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        err.println("tandem ctl: a subcommand is needed");
        spec.commandLine().usage(err);
        return spec.exitCodeOnInvalidInput();
    }

    /**
     * The client of the daemon the options point to.
     *
     * @throws ParameterException for an {@code --admin} that is not {@code HOST:PORT}
     * @throws CtlException       for a config file that cannot be read or is invalid
     */
    AdminClient client() {
        Map<String, String> env = System.getenv();
        AdminSettings fromFile = fileSettings(env);
        HostPort address;
        if (admin != null) {
            try {
                address = HostPort.parse(admin);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--admin " + admin + ": " + e.getMessage());
            }
        } else {
            address = fromFile.listen();
        }
        if (address.port() == 0) {
            throw new CtlException("admin.listen has port 0 (any free port): give the daemon's address with --admin");
        }
        String t = token;
        if (t == null) {
            String fromEnv = env.get(TOKEN_ENV);
            t = fromEnv != null && !fromEnv.isEmpty() ? fromEnv : fromFile.token();
        }
        return new AdminClient(address, t);
    }

    /** The admin section of the config file, or the defaults when there is no file to read. */
    private AdminSettings fileSettings(Map<String, String> env) {
        Path file = config;
        if (file == null) {
            Path standard = Path.of(DEFAULT_CONFIG);
            if (admin != null || !Files.isReadable(standard)) {
                return AdminSettings.DEFAULTS;
            }
            file = standard;
        }
        try {
            return ConfigLoader.load(file, env).admin();
        } catch (ConfigException e) {
            // The first problem says enough: often a ${VAR} of the daemon's environment not set here.
            throw new CtlException("cannot take the admin address from " + file + ": "
                    + e.problems().get(0)
                    + (e.problems().size() > 1 ? " (and " + (e.problems().size() - 1) + " more)" : "")
                    + "; give --admin (and --token), or set the variables the file needs");
        } catch (IOException e) {
            throw new CtlException("cannot read config file " + file + ": " + ConfigLoader.describe(e));
        }
    }

    /**
     * Whether to colour the output: when stdout is a terminal and {@code NO_COLOR} is unset or
     * empty (no-color.org).
     */
    static boolean colour() {
        String noColour = System.getenv("NO_COLOR");
        return System.console() != null && (noColour == null || noColour.isEmpty());
    }

    @Command(
            name = "drain",
            mixinStandardHelpOptions = true,
            description = "Drains a server: no new traffic, open connections finish.")
    int drain(@Parameters(paramLabel = "BACKEND/SERVER", description = "The server, e.g. web/web1.") String target) {
        return change("drain", target, "{\"state\":\"drain\"}");
    }

    @Command(
            name = "ready",
            mixinStandardHelpOptions = true,
            description = "Puts a drained or maint server back in service.")
    int ready(@Parameters(paramLabel = "BACKEND/SERVER", description = "The server, e.g. web/web1.") String target) {
        return change("ready", target, "{\"state\":\"ready\"}");
    }

    @Command(
            name = "maint",
            mixinStandardHelpOptions = true,
            description = "Takes a server out: no traffic and no health checks.")
    int maint(@Parameters(paramLabel = "BACKEND/SERVER", description = "The server, e.g. web/web1.") String target) {
        return change("maint", target, "{\"state\":\"maint\"}");
    }

    @Command(name = "weight", mixinStandardHelpOptions = true, description = "Sets a server's weight (0-256).")
    int weight(
            @Parameters(index = "0", paramLabel = "BACKEND/SERVER", description = "The server, e.g. web/web1.")
                    String target,
            @Parameters(index = "1", paramLabel = "N", description = "The weight, 0 to 256.") int weight) {
        return change("weight", target, "{\"weight\":" + weight + "}");
    }

    @Command(
            name = "reload",
            mixinStandardHelpOptions = true,
            description = {
                "Reloads the daemon's config file, as SIGHUP does.",
                "An invalid file changes nothing: its problems are printed on stderr and the exit code is 1.",
                "Settings that wait for a restart (cluster.bind, admin.listen...) are printed after 'reloaded'."
            })
    int reload() {
        AdminClient client = client();
        String answer;
        try {
            answer = client.post("/api/v1/reload", "");
        } catch (CtlException e) {
            if (e.status() != 400) {
                throw e;
            }
            PrintWriter err = spec.commandLine().getErr();
            JsonNode errors = errors(e.body());
            errors.forEach(problem -> err.println(problem.asText()));
            err.println("tandem: reload refused (" + errors.size()
                    + " problem(s)): the running configuration is unchanged");
            err.flush();
            return 1;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("reloaded");
        restartNeeded(answer).forEach(key -> out.println("waits for a restart: " + key.asText()));
        out.flush();
        return 0;
    }

    /** The settings an applied reload says wait for a restart; none when the answer has none. */
    private static JsonNode restartNeeded(String body) {
        try {
            JsonNode keys = JSON.readTree(body).path("restart_needed");
            if (keys.isArray()) {
                return keys;
            }
        } catch (IOException e) {
            // not the reload's JSON: nothing to add to "reloaded"
        }
        return JSON.createArrayNode();
    }

    private static JsonNode errors(String body) {
        try {
            JsonNode errors = JSON.readTree(body).path("errors");
            if (errors.isArray()) {
                return errors;
            }
        } catch (IOException e) {
            // not the reload's JSON: shown as it is below
        }
        return JSON.createArrayNode().add(body);
    }

    /** POSTs {@code body} to the server {@code target} names and prints what it now is. */
    private int change(String subcommand, String target, String body) {
        Matcher m = TARGET.matcher(target);
        if (!m.matches()) {
            throw new ParameterException(
                    spec.commandLine().getSubcommands().get(subcommand),
                    "'" + target + "' is not BACKEND/SERVER (e.g. web/web1)");
        }
        String backend = m.group(1);
        String server = m.group(2);
        JsonNode s = client().postJson("/api/v1/backends/" + backend + "/servers/" + server, body);
        PrintWriter out = spec.commandLine().getOut();
        boolean colour = colour();
        out.println(backend + "/" + server + ": " + Table.word(s.path("state").asText(), colour) + ", health "
                + Table.word(s.path("health").asText(), colour) + ", weight "
                + s.path("target_weight").asInt());
        out.flush();
        return 0;
    }
}
