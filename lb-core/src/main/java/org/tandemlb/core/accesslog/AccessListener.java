package org.tandemlb.core.accesslog;

/**
 * Receives an {@link AccessLogEntry} for every HTTP request and TCP session that ends. Called on
 * the event loop that served it: an implementation must return at once and never block (hand the
 * entry to a queue or an async appender to write it).
 */
@FunctionalInterface
public interface AccessListener {
    /** One request or session ended. */
    void ended(AccessLogEntry entry);
}
