package org.tandemlb.admin.api;

/** A runtime change named a backend or server that does not exist (the API answers 404). */
public final class UnknownNameException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnknownNameException(String message) {
        super(message, null, false, false);
    }
}
