package org.tandemlb.admin.importer;

import java.util.Map;

/** Why an HAProxy or keepalived directive has no place in a Tandem file, in a few words. */
final class Reasons {

    static final String PROCESS = "the systemd unit runs tandem in the foreground as its own user";
    static final String LOGS =
            "Tandem writes its log to stdout (the journal under systemd) and access logs per frontend (access_log)";
    static final String STATS = "the status page, /metrics and the admin API are on admin.listen";
    static final String HTTP_RULES = "Tandem's HTTP rules are set, add and delete of headers (request_headers,"
            + " response_headers), and deny and redirect (routes)";
    static final String SERVER_COOKIE = "a server's cookie value is a hash of its name in Tandem: clients carrying "
            + "the old value are balanced once more and get the new one";
    static final String NONE = "no Tandem equivalent";

    private static final Map<String, String> BY_KEYWORD = Map.ofEntries(
            Map.entry("log", LOGS),
            Map.entry("log-tag", LOGS),
            Map.entry("log-format", LOGS),
            Map.entry("option httplog", "access logs are on by default (access_log, text format)"),
            Map.entry("option tcplog", "access logs are on by default (access_log, text format)"),
            Map.entry("option dontlognull", "Tandem logs every connection"),
            Map.entry("option log-health-checks", "Tandem logs every state change of a server"),
            Map.entry("chroot", PROCESS),
            Map.entry("user", PROCESS),
            Map.entry("group", PROCESS),
            Map.entry("uid", PROCESS),
            Map.entry("gid", PROCESS),
            Map.entry("daemon", PROCESS),
            Map.entry("pidfile", PROCESS),
            Map.entry("master-worker", PROCESS),
            Map.entry("nbthread", "Tandem runs one event loop per core"),
            Map.entry("nbproc", "Tandem runs one event loop per core"),
            Map.entry("stats", STATS),
            Map.entry("monitor-uri", "Tandem answers /healthz on admin.listen"),
            Map.entry("maxconn", "no process-wide limit; frontends have max_connections"),
            Map.entry("ulimit-n", "set LimitNOFILE in the systemd unit"),
            Map.entry("errorfile", "error pages are set per frontend and backend (error_pages)"),
            Map.entry(
                    "errorloc",
                    "error pages are files (error_pages); a file may hold a whole response, a 302 with its Location"),
            Map.entry(
                    "errorloc302",
                    "error pages are files (error_pages); a file may hold a whole response, a 302 with its Location"),
            Map.entry(
                    "errorloc303",
                    "error pages are files (error_pages); a file may hold a whole response, a 303 with its Location"),
            Map.entry("errorfiles", "error pages are set per frontend and backend (error_pages)"),
            Map.entry("http-request", HTTP_RULES),
            Map.entry("http-response", HTTP_RULES),
            Map.entry("http-after-response", HTTP_RULES),
            Map.entry(
                    "tcp-request",
                    "Tandem has no connection rules; per-client limits are a frontend's limits.per_client"),
            Map.entry(
                    "tcp-response",
                    "Tandem has no connection rules; per-client limits are a frontend's limits.per_client"),
            Map.entry("compression", "Tandem does not compress"),
            Map.entry("capture", "the access log has a fixed set of fields"),
            Map.entry("option http-server-close", "Tandem keeps server connections alive in a pool"),
            Map.entry("option httpclose", "Tandem keeps server connections alive in a pool"),
            Map.entry("option http-keep-alive", "Tandem keeps connections alive by default"),
            Map.entry("option redispatch", "Tandem always retries a failed connect on another server"),
            Map.entry(
                    "ssl-default-bind-ciphers",
                    "Tandem takes IANA cipher names per frontend (tls.ciphers); its default is Mozilla intermediate without DHE"),
            Map.entry("ssl-default-bind-ciphersuites", "TLS 1.3's AES-GCM and ChaCha20 suites are always on"),
            Map.entry("ssl-default-server-ciphers", "TLS to servers uses the TLS provider's defaults"),
            Map.entry("tune.ssl.default-dh-param", "Tandem offers no DHE cipher suites"),
            Map.entry("hash-type", "Tandem's source and hash balancing always hash consistently"),
            Map.entry("fullconn", "no dynamic maxconn; servers have max_connections"),
            Map.entry("http-reuse", "Tandem reuses pooled server connections (private ones with send_proxy)"),
            Map.entry("description", "descriptions are not kept"),
            Map.entry("id", "Tandem identifies proxies by name"));

    private Reasons() {}

    /** The reason for {@code d}: by {@code option NAME}, then by keyword, else "no Tandem equivalent". */
    static String of(Directive d) {
        if (d.keyword().equals("option") || d.keyword().equals("no")) {
            String r = BY_KEYWORD.get("option " + d.word(1));
            if (r != null) {
                return r;
            }
        }
        String k = d.keyword();
        if (k.startsWith("tune.")) {
            return "Tandem's buffers and limits are set per frontend (http2, timeouts) or fixed";
        }
        return BY_KEYWORD.getOrDefault(k, NONE);
    }
}
