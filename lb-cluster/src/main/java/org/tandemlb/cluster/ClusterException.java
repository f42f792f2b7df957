package org.tandemlb.cluster;

/** The cluster cannot start (cannot bind its port, a VIP driver lacks what it needs); one-line message. */
public final class ClusterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ClusterException(String message, Throwable cause) {
        super(message, cause);
    }
}
