package org.tandemlb.cluster;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jgroups.Address;
import org.jgroups.Message;
import org.jgroups.auth.AuthToken;
import org.jgroups.util.UUID;

/**
 * JGroups {@code AUTH} token proving knowledge of the cluster secret: an HMAC-SHA256, keyed with a
 * key derived from the secret, over the joining member's own address. The coordinator accepts a
 * join or merge request only when the proof matches the sender's address, so a node without the
 * secret cannot join, and a proof seen on the wire cannot be replayed by another member address.
 *
 * <p>Why AUTH as well as {@code SYM_ENCRYPT}: JGroups' encryption leaves messages without a payload
 * (GMS join requests among them) unencrypted, only tagged with the key's version; AUTH makes the
 * join itself depend on the secret.
 */
public final class SecretToken extends AuthToken {
    private static final int MAX_PROOF = 64;
    /** Set on the local instance only; a token read from the wire has only {@link #proof}. */
    private final byte[] macKey;

    private byte[] proof;

    /** For JGroups, which creates tokens read from the wire by reflection. */
    public SecretToken() {
        this.macKey = null;
    }

    SecretToken(byte[] macKey) {
        this.macKey = macKey.clone();
    }

    @Override
    public String getName() {
        return "tandem-secret";
    }

    @Override
    public int size() {
        return Integer.BYTES + 32;
    }

    @Override
    public boolean authenticate(AuthToken token, Message msg) {
        if (token == this) {
            return true; // our own request, looped back inside this JVM without serialization
        }
        if (!(token instanceof SecretToken other) || other.proof == null || macKey == null) {
            return false;
        }
        return MessageDigest.isEqual(other.proof, proof(msg.getSrc()));
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
        byte[] p = macKey != null ? proof(auth.getAddress()) : proof;
        out.writeInt(p.length);
        out.write(p);
    }

    @Override
    public void readFrom(DataInput in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_PROOF) {
            throw new IOException("bad auth token length " + n);
        }
        proof = new byte[n];
        in.readFully(proof);
    }

    private byte[] proof(Address address) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(macKey, "HmacSHA256"));
            mac.update("tandem-join:".getBytes(StandardCharsets.US_ASCII));
            if (address instanceof UUID u) {
                mac.update(ByteBuffer.allocate(16)
                        .putLong(u.getMostSignificantBits())
                        .putLong(u.getLeastSignificantBits())
                        .array());
            } else if (address != null) {
                mac.update(address.toString().getBytes(StandardCharsets.UTF_8));
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    @Override
    public String toString() {
        return "SecretToken";
    }
}
