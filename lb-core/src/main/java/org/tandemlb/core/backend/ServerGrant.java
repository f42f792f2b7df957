package org.tandemlb.core.backend;

/**
 * The answer of {@link Backend#acquire}: called exactly once, on the event loop given to it.
 * A granted server holds a slot that the receiver must give back with {@link Server#release()}.
 */
public interface ServerGrant {
    /** A slot on {@code server} is held for the caller. */
    void granted(Server server);

    /** No server could be given. */
    void refused(Refusal reason);
}
