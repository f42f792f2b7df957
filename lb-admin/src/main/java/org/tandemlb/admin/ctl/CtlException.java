package org.tandemlb.admin.ctl;

/**
 * A failure of {@code tandem ctl} the user can act on: a call of the admin API that did not
 * succeed (the daemon could not be reached, {@link #status()} 0, or answered an error status) or
 * a config file that gives no admin address. The message is for the user, in one line;
 * {@code tandem} prints it as {@code tandem: MESSAGE} and exits 1.
 */
public final class CtlException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String body;

    CtlException(String message) {
        this(message, null);
    }

    CtlException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
        this.body = "";
    }

    CtlException(int status, String message, String body) {
        super(message);
        this.status = status;
        this.body = body;
    }

    /** The HTTP status the daemon answered, or 0 when it could not be reached. */
    public int status() {
        return status;
    }

    /** The body of the error answer, empty when it could not be reached. */
    public String body() {
        return body;
    }
}
