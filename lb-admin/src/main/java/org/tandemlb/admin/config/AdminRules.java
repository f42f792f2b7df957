package org.tandemlb.admin.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.tandemlb.core.config.HostPort;

/**
 * The rules of the {@code admin} section: where the admin API listens, and its token, which is
 * required off loopback.
 */
final class AdminRules {

    private static final List<String> ADMIN_KEYS = List.of("listen", "token");

    private final Problems problems;

    AdminRules(Problems problems) {
        this.problems = problems;
    }

    /** The section's settings; null when it is absent or has a problem (reported). */
    AdminSettings read(Section top) {
        Section s = top.section("admin", ADMIN_KEYS);
        if (s == null) {
            return null;
        }
        int before = problems.count();
        HostPort listen = s.hostPort("listen", true);
        String token = s.string("token");
        if (listen != null && (token == null || token.isEmpty()) && !isLoopback(listen.host())) {
            problems.report(
                    s.value("listen"),
                    s.path("listen"),
                    listen + " is not a loopback address: set " + "admin.token, or listen on 127.0.0.1");
        }
        if (problems.count() > before) {
            return null;
        }
        return problems.build(
                s.node, s.path, () -> new AdminSettings(listen == null ? AdminSettings.DEFAULT_LISTEN : listen, token));
    }

    private static boolean isLoopback(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (ClusterRules.IPV4.matcher(host).matches()) {
            return host.startsWith("127.");
        }
        if (host.indexOf(':') >= 0) {
            try {
                return InetAddress.getByName("[" + host + "]").isLoopbackAddress();
            } catch (UnknownHostException e) {
                return false;
            }
        }
        return false;
    }
}
