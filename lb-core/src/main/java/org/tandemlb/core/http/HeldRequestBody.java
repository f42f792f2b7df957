package org.tandemlb.core.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import java.util.ArrayList;
import java.util.List;

/**
 * Request content read before the exchange's server connection was ready: held (the list made
 * when first needed), then written to the server in order, or released when the exchange ends
 * without one.
 */
final class HeldRequestBody {
    private List<HttpContent> held;

    void add(HttpContent content) {
        if (held == null) {
            held = new ArrayList<>(2);
        }
        held.add(content);
    }

    /** Writes what is held to {@code server}, unflushed, and holds nothing more. */
    void writeTo(Channel server) {
        if (held != null) {
            for (HttpContent c : held) {
                server.write(c, server.voidPromise());
            }
            held = null;
        }
    }

    void release() {
        if (held != null) {
            for (HttpContent c : held) {
                c.release();
            }
            held = null;
        }
    }
}
