package org.tandemlb.cluster;

import java.util.Arrays;
import java.util.function.Consumer;
import javax.crypto.Cipher;
import org.jgroups.Address;
import org.jgroups.Message;
import org.jgroups.protocols.EncryptHeader;
import org.jgroups.protocols.SYM_ENCRYPT;

/**
 * {@code SYM_ENCRYPT} with the key derived from the cluster secret, which also reports traffic
 * encrypted with another key (a node configured with another secret) once per message to
 * {@link #onForeignKey}, instead of logging an error per message. Such a message is dropped, as
 * SYM_ENCRYPT does.
 */
// JGroups' SYM_ENCRYPT overrides a generic method of Encrypt with a raw signature; javac warns about
// that inherited signature on every subclass. Nothing of ours is unchecked.
@SuppressWarnings("unchecked")
final class TandemEncrypt extends SYM_ENCRYPT {
    private volatile Consumer<Address> onForeignKey = a -> {};

    TandemEncrypt onForeignKey(Consumer<Address> listener) {
        onForeignKey = listener;
        return this;
    }

    @Override
    protected Message decrypt(Cipher cipher, Message msg) throws Exception {
        EncryptHeader hdr = msg.getHeader(this.id);
        byte[] version = symVersion();
        if (hdr != null && version != null && !Arrays.equals(hdr.version(), version)) {
            onForeignKey.accept(msg.getSrc());
            return null;
        }
        return super.decrypt(cipher, msg);
    }
}
