package org.tandemlb.core.accesslog;

import java.net.InetSocketAddress;
import org.tandemlb.core.config.Mode;

/**
 * What happened to one HTTP request or one TCP session, handed to an {@link AccessListener} when
 * it ends: the line of an access log, and the source of the per-request metrics.
 *
 * <p>Durations are in nanoseconds and -1 when the step did not happen (no server was chosen, the
 * connection failed, no response came). They follow HAProxy's timers: {@code queue} from the
 * request's arrival to a server slot ({@code Tw}), {@code connect} from the slot to an established
 * (or reused) connection ({@code Tc}), {@code response} from the request sent to the response head
 * ({@code Tr}), {@code total} from the request's arrival to the end of its response ({@code Ta}).
 *
 * @param mode           {@code http} or {@code tcp}
 * @param startMillis    wall-clock time the request or session started, epoch milliseconds
 * @param client         the client's address
 * @param frontend       the frontend's name
 * @param backend        the backend's name, or null when none was found
 * @param server         the server's name, or null when none was chosen
 * @param method         http: the request method; tcp: null
 * @param uri            http: the request target; tcp: null
 * @param status         http: the status sent to the client (Tandem's own 4xx/5xx included), 0 when
 *                       the client went away before any response; tcp: 0
 * @param bytesIn        bytes read from the client for this request or session
 * @param bytesOut       bytes written to the client for this request or session
 * @param queueNanos     time waiting for a server slot, or -1
 * @param connectNanos   time to get a connection to the server, or -1
 * @param responseNanos  time from request sent to response head, or -1
 * @param totalNanos     the whole request or session
 * @param termination    how it ended, as HAProxy's termination state in short words: {@code ok},
 *                       {@code client_abort}, {@code server_abort}, {@code no_server},
 *                       {@code queue_timeout}, {@code connect_failed}, {@code server_timeout},
 *                       {@code client_timeout}, {@code bad_request}, {@code upgraded},
 *                       {@code redirect}, {@code denied} (a route's {@code deny} or {@code allow_from})
 * @param httpVersion    http: the request's version, such as {@code HTTP/1.1}, or null when not even
 *                       its head came; tcp: null
 * @param tlsVersion     the TLS version of the client connection ({@code TLSv1.3}), or null in cleartext
 * @param tlsCipher      the TLS cipher suite (IANA name), or null in cleartext
 * @param requestId      http: the request's id with the frontend's {@code request_id} (the
 *                       client's, or the one Tandem made), or null
 */
public record AccessLogEntry(
        Mode mode,
        long startMillis,
        InetSocketAddress client,
        String frontend,
        String backend,
        String server,
        String method,
        String uri,
        int status,
        long bytesIn,
        long bytesOut,
        long queueNanos,
        long connectNanos,
        long responseNanos,
        long totalNanos,
        String termination,
        String httpVersion,
        String tlsVersion,
        String tlsCipher,
        String requestId) {}
