package org.tandemlb.core.frontend;

/**
 * A frontend could not listen on one of its addresses; the message names the frontend and the
 * address and is fit to show a user. The load balancer reports it as a
 * {@link org.tandemlb.core.LoadBalancerException} with the same message.
 */
public final class ListenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ListenException(String message, Throwable cause) {
        super(message, cause);
    }
}
