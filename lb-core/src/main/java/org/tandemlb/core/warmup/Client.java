package org.tandemlb.core.warmup;

import java.io.IOException;

/** One connection of the warm-up's client, over HTTP/1.1 or HTTP/2. */
public interface Client extends AutoCloseable {

    /**
     * Sends a request ({@code POST} with {@code body} when it is not null, else {@code GET}) and
     * waits for the end of its response, at most {@code timeoutMs} milliseconds.
     *
     * @return the response's status code
     */
    int exchange(String path, byte[] body, int timeoutMs) throws IOException;

    /** Whether more requests may follow on this connection. */
    boolean isOpen();

    @Override
    void close() throws IOException;
}
