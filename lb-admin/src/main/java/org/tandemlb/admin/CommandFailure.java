package org.tandemlb.admin;

/**
 * A failure the user can act on (a file that cannot be read, a port that cannot be bound): the
 * command prints {@code tandem: MESSAGE} on stderr, in one line, and exits 1.
 */
final class CommandFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CommandFailure(String message) {
        super(message);
    }

    CommandFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
