package org.tandemlb.core.backend;

/** Why a backend could not give a server to a request or connection. */
public enum Refusal {
    /** No server is usable (all down, drained, in maintenance, or excluded): the client gets 503. */
    NO_SERVER,
    /** Every usable server stayed at {@code max_connections} for {@code timeouts.queue}: 503. */
    QUEUE_TIMEOUT
}
