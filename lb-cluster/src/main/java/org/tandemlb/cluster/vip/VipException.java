package org.tandemlb.cluster.vip;

/** A VIP could not be taken, released or prepared; the message is one line, fit for the user. */
public final class VipException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public VipException(String message) {
        super(message);
    }

    public VipException(String message, Throwable cause) {
        super(message, cause);
    }
}
