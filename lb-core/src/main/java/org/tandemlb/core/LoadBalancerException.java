package org.tandemlb.core;

/**
 * A load balancer could not start or apply a configuration; the message names the frontend,
 * backend or address concerned and is fit to show to a user as it is.
 */
public final class LoadBalancerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An exception with a user-facing message and its cause. */
    public LoadBalancerException(String message, Throwable cause) {
        super(message, cause);
    }

    /** An exception with a user-facing message. */
    public LoadBalancerException(String message) {
        super(message);
    }
}
