package org.tandemlb.admin.importer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Tandem file an import builds, section by section, before {@link YamlWriter} prints it.
 * Keys hold their YAML text already ({@code 5s}, {@code true}); null means "not written", so
 * that the output carries only what the input said and Tandem's defaults do the rest.
 */
final class TandemFile {

    String node;
    String nodeComment;
    final Map<String, String> defaultTimeouts = new LinkedHashMap<>();
    String defaultRetries;
    final List<Frontend> frontends = new ArrayList<>();
    final List<Backend> backends = new ArrayList<>();
    Cluster cluster;

    /** A frontend; {@code origin} is the comment above it ({@code from haproxy.cfg:12 frontend www}). */
    static final class Frontend {
        String name;
        String origin;
        String mode;
        final List<String> binds = new ArrayList<>();
        String maxConnections;
        String defaultBackend;
        final List<Route> routes = new ArrayList<>();
        final Map<String, String> timeouts = new LinkedHashMap<>();
        final List<String[]> certificates = new ArrayList<>(); // {cert, key}
        List<String> alpn;
        String alpnComment;
        boolean acceptProxy;
        boolean redirectHttps;
        String redirectComment;
        String hsts;
        final List<HttpRuleTranslator.Header> requestHeaders = new ArrayList<>();
        final List<HttpRuleTranslator.Header> responseHeaders = new ArrayList<>();
        final Map<String, String> errorPages = new LinkedHashMap<>();
    }

    /**
     * A route: its conditions ({@code match}: host, path prefix, path expression, client
     * networks), one action ({@code backend}, a {@code deny} status, or a redirect to
     * {@code location} with {@code code}), and where it came from.
     */
    record Route(
            AclRoutes.Match match,
            String backend,
            String deny,
            String location,
            String code,
            boolean stripQuery,
            String comment) {}

    /** A backend. */
    static final class Backend {
        String name;
        String origin;
        String mode;
        String balance;
        String balanceComment;
        final Map<String, String> healthCheck = new LinkedHashMap<>();
        final Map<String, String> timeouts = new LinkedHashMap<>();
        String retries;
        String slowStart;
        String sendProxy;
        String protocol;
        Map<String, String> tls;
        final Map<String, String> persistence = new LinkedHashMap<>();
        final List<HttpRuleTranslator.Header> requestHeaders = new ArrayList<>();
        final List<HttpRuleTranslator.Header> responseHeaders = new ArrayList<>();
        final Map<String, String> errorPages = new LinkedHashMap<>();
        final List<Server> servers = new ArrayList<>();
    }

    /** A server; {@code comment} goes at the end of its line. */
    record Server(String name, String address, String weight, boolean backup, String maxConnections, String comment) {}

    /** The cluster section. */
    static final class Cluster {
        String name;
        String nameComment;
        String bind;
        final List<String> peers = new ArrayList<>();
        String priority;
        String preempt;
        String preemptComment;
        String secret;
        final List<Map<String, String>> vips = new ArrayList<>();
    }
}
