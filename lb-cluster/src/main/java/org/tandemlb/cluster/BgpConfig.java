package org.tandemlb.cluster;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How a node drives its BGP speaker for the {@code bgp} VIPs ({@code cluster.bgp} in
 * docs/configuration.md; docs/cluster.md, "All nodes active: BGP and ECMP"). The speaker is BIRD 2,
 * run by the operator; Tandem only adds the VIPs to {@code lo} and enables or disables the BIRD
 * protocol that exports them, through BIRD's control socket.
 *
 * @param socket   BIRD's control socket ({@code birdc -s}); Debian's bird2 uses {@code /run/bird/bird.ctl}
 * @param protocol the BIRD protocol ({@code protocol direct NAME}) that turns the VIPs on {@code lo}
 *                 into routes; Tandem enables it to announce and disables it to withdraw
 * @param drain    how long a node waits after withdrawing before it stops serving (graceful stop)
 *                 or removes the VIPs from {@code lo}: time for the router to converge
 */
public record BgpConfig(String socket, String protocol, Duration drain) {
    /** BIRD's protocol names: a letter, then letters, digits and underscores. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");

    /** The longest drain. */
    public static final Duration MAX_DRAIN = Duration.ofMinutes(5);

    /** Debian's socket, the protocol {@code tandem_vips}, a 2 s drain. */
    public static final BgpConfig DEFAULT = new BgpConfig("/run/bird/bird.ctl", "tandem_vips", Duration.ofSeconds(2));

    public BgpConfig {
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(drain, "drain");
        if (socket.isBlank()) {
            throw new IllegalArgumentException("bgp socket: the path of BIRD's control socket is empty");
        }
        if (!isProtocolName(protocol)) {
            throw new IllegalArgumentException(
                    "bgp protocol '" + protocol + "' is not a BIRD protocol name (a letter, then letters, digits, _)");
        }
        if (drain.isNegative() || drain.compareTo(MAX_DRAIN) > 0) {
            throw new IllegalArgumentException("bgp drain " + drain.toMillis() + "ms is out of range 0-5m");
        }
    }

    /** Whether BIRD takes {@code name} as a protocol name: a letter, then letters, digits and underscores. */
    public static boolean isProtocolName(String name) {
        return NAME.matcher(name).matches();
    }
}
