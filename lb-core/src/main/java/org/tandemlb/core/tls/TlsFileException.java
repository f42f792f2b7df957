package org.tandemlb.core.tls;

import java.nio.file.Path;

/**
 * A certificate, key or OCSP file of a frontend's {@code tls} that cannot be used: unreadable,
 * not PEM, not a certificate or key, or a key that does not match its certificate. The message
 * names the file; {@link #index()} and {@link #field()} say which setting gave it.
 */
public final class TlsFileException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final int index;
    private final String field;
    private final transient Path file;

    /**
     * @param index   the certificate's index in {@code tls.certificates}
     * @param field   {@code cert}, {@code key} or {@code ocsp}
     * @param file    the file at fault
     * @param message what is wrong, naming the file
     * @param cause   the underlying error, or null
     */
    public TlsFileException(int index, String field, Path file, String message, Throwable cause) {
        super(message, cause);
        this.index = index;
        this.field = field;
        this.file = file;
    }

    /** The certificate's index in {@code tls.certificates}. */
    public int index() {
        return index;
    }

    /** {@code cert}, {@code key} or {@code ocsp}. */
    public String field() {
        return field;
    }

    /** The file at fault. */
    public Path file() {
        return file;
    }
}
