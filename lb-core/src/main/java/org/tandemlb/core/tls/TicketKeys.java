package org.tandemlb.core.tls;

import io.netty.handler.ssl.OpenSslSessionTicketKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keys that encrypt TLS session tickets (RFC 5077), rotated every {@link #period()}: a new key
 * encrypts the tickets of each period, and the previous period's key still decrypts, so a ticket
 * stays good for one to two periods.
 *
 * <p>The keys are derived from a secret and the period's number on the wall clock (HKDF-SHA256,
 * RFC 5869), not drawn at random: two processes with the same secret and clocks in step have the
 * same keys, so a client resumes its session on either node of a cluster, before and after a
 * failover. Without a secret, the secret is random and the keys are this process's own.
 */
public final class TicketKeys {
    /** The default rotation period. */
    public static final Duration DEFAULT_PERIOD = Duration.ofHours(1);

    private static final byte[] SALT = "tandem tls session ticket keys".getBytes(StandardCharsets.US_ASCII);

    private final byte[] prk;
    private final Duration period;
    private final Clock clock;

    private TicketKeys(byte[] secret, Duration period, Clock clock) {
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("ticket key period must be positive");
        }
        this.prk = hmac(SALT, secret);
        this.period = period;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Keys derived from {@code secret} (such as the cluster's secret): the same in every process that has it. */
    public static TicketKeys fromSecret(byte[] secret, Duration period, Clock clock) {
        if (secret.length == 0) {
            throw new IllegalArgumentException("empty ticket key secret");
        }
        return new TicketKeys(secret.clone(), period, clock);
    }

    /** Keys of this process alone, from a random secret. */
    public static TicketKeys random(Duration period, Clock clock) {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return new TicketKeys(secret, period, clock);
    }

    /** The rotation period. */
    public Duration period() {
        return period;
    }

    /** The number of the period the clock is in now. */
    public long currentPeriod() {
        return Math.floorDiv(clock.millis(), period.toMillis());
    }

    /** The keys of period {@code n}: first the one that encrypts (n's), then n-1's that still decrypts. */
    public OpenSslSessionTicketKey[] keys(long n) {
        return new OpenSslSessionTicketKey[] {key(n), key(n - 1)};
    }

    /** Period {@code n}'s key: 48 bytes of HKDF-Expand output cut into name, HMAC key and AES key. */
    private OpenSslSessionTicketKey key(long n) {
        byte[] info = ByteBuffer.allocate(8 + 6)
                .put("ticket".getBytes(StandardCharsets.US_ASCII))
                .putLong(n)
                .array();
        // HKDF-Expand (RFC 5869 §2.3): T(i) = HMAC(PRK, T(i-1) | info | i), concatenated.
        byte[] okm = new byte[48];
        byte[] t = new byte[0];
        for (int i = 1, done = 0; done < okm.length; i++) {
            t = hmac(
                    prk,
                    ByteBuffer.allocate(t.length + info.length + 1)
                            .put(t)
                            .put(info)
                            .put((byte) i)
                            .array());
            int take = Math.min(t.length, okm.length - done);
            System.arraycopy(t, 0, okm, done, take);
            done += take;
        }
        return new OpenSslSessionTicketKey(
                Arrays.copyOfRange(okm, 0, 16), Arrays.copyOfRange(okm, 16, 32), Arrays.copyOfRange(okm, 32, 48));
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
