package io.fulcrum.dataplane.sync;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.agrona.MutableDirectBuffer;

/**
 * HMAC-SHA256 (RFC 2104) over a whole sync datagram, appended as its last 32 bytes. Verification compares in
 * constant time. Runs on the sync agent's thread only (one instance per thread: {@link Mac} is not thread-safe).
 */
final class MessageAuthenticator
{
    static final int MAC_LENGTH = 32;
    /** The shortest key accepted: as long as the hash (RFC 2104, section 3). */
    static final int MIN_KEY_LENGTH = 32;

    private final Mac mac;
    private final byte[] scratch;
    private final byte[] computed = new byte[MAC_LENGTH];
    private final byte[] received = new byte[MAC_LENGTH];

    MessageAuthenticator(final byte[] key, final int maxMessageLength)
    {
        if (key.length < MIN_KEY_LENGTH)
        {
            throw new IllegalArgumentException("sync key must have at least " + MIN_KEY_LENGTH + " bytes");
        }
        try
        {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        }
        catch (final GeneralSecurityException e)
        {
            throw new IllegalStateException("HmacSHA256 is not available: " + e.getMessage(), e);
        }
        scratch = new byte[maxMessageLength];
    }

    /** Writes the MAC of the first {@code length} bytes after them; returns the datagram's whole length. */
    int sign(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        compute(buffer, offset, length);
        buffer.putBytes(offset + length, computed);
        return length + MAC_LENGTH;
    }

    /** True when the datagram of {@code length} bytes (MAC included) carries the MAC of its content. */
    boolean verify(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        if (length < MAC_LENGTH || length > scratch.length)
        {
            return false;
        }
        final int content = length - MAC_LENGTH;
        compute(buffer, offset, content);
        buffer.getBytes(offset + content, received);
        return MessageDigest.isEqual(computed, received);
    }

    private void compute(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        buffer.getBytes(offset, scratch, 0, length);
        mac.update(scratch, 0, length);
        try
        {
            mac.doFinal(computed, 0);
        }
        catch (final javax.crypto.ShortBufferException e)
        {
            throw new IllegalStateException(e);
        }
    }
}
