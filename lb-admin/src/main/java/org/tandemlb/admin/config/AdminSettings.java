package org.tandemlb.admin.config;

import java.util.Objects;
import org.tandemlb.core.config.HostPort;

/**
 * The {@code admin} section: where the admin API, {@code /metrics} and the status page listen.
 *
 * @param listen where to listen; default {@code 127.0.0.1:9000}
 * @param token  when not empty, mutating calls need {@code Authorization: Bearer <token>};
 *               empty means no token (allowed only on a loopback address)
 */
public record AdminSettings(HostPort listen, String token) {

    /** The address used when the file does not set {@code admin.listen}. */
    public static final HostPort DEFAULT_LISTEN = new HostPort("127.0.0.1", 9000);

    /** 127.0.0.1:9000 without a token. */
    public static final AdminSettings DEFAULTS = new AdminSettings(DEFAULT_LISTEN, "");

    public AdminSettings {
        Objects.requireNonNull(listen, "listen");
        token = token == null ? "" : token;
    }

    /** Whether a token is set. */
    public boolean hasToken() {
        return !token.isEmpty();
    }

    /** Does not show the token. */
    @Override
    public String toString() {
        return "AdminSettings[listen=" + listen + ", token=" + (hasToken() ? "<set>" : "<none>") + "]";
    }
}
