package io.fulcrum.dataplane.packet;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071): the one's complement of the one's complement sum of 16-bit words. Partial sums
 * are carried in a long and only folded at the end, so sums of several ranges (pseudo-header, header, payload) simply
 * add; every range but the last must have an even length.
 */
public final class Checksums
{
    private static final ValueLayout.OfLong NATIVE_LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private Checksums()
    {
    }

    /**
     * Unfolded sum of {@code length} bytes at {@code offset}, as the sum of big-endian 16-bit words would be modulo
     * 0xffff. The bulk is read 32 bytes at a time as native-order longs into four independent accumulators: the one's
     * complement sum does not depend on byte order as long as the result is swapped back (RFC 1071 section 2 (B)),
     * and adding the two 32-bit halves of each word keeps it congruent, since 2^16 = 1 mod 0xffff (section 2 (C)).
     */
    public static long sum(final MemorySegment memory, final long offset, final int length)
    {
        long s0 = 0;
        long s1 = 0;
        long s2 = 0;
        long s3 = 0;
        long at = offset;
        final long end = offset + length;
        while (end - at >= 32)
        {
            final long a = memory.get(NATIVE_LONG, at);
            final long b = memory.get(NATIVE_LONG, at + 8);
            final long c = memory.get(NATIVE_LONG, at + 16);
            final long d = memory.get(NATIVE_LONG, at + 24);
            s0 += (a >>> 32) + (a & 0xffff_ffffL);
            s1 += (b >>> 32) + (b & 0xffff_ffffL);
            s2 += (c >>> 32) + (c & 0xffff_ffffL);
            s3 += (d >>> 32) + (d & 0xffff_ffffL);
            at += 32;
        }
        long bulk = s0 + s1 + s2 + s3; // each below 2^33 per step: no overflow below 2^28 bytes
        while (end - at >= 8)
        {
            final long word = memory.get(NATIVE_LONG, at);
            bulk += (word >>> 32) + (word & 0xffff_ffffL);
            at += 8;
        }
        long sum = fold16(bulk);
        if (LITTLE_ENDIAN)
        {
            sum = Short.reverseBytes((short)sum) & 0xffff;
        }
        if (end - at >= 4)
        {
            sum += NetworkBytes.u32(memory, at) & 0xffff_ffffL;
            at += 4;
        }
        if (end - at >= 2)
        {
            sum += NetworkBytes.u16(memory, at);
            at += 2;
        }
        if (at < end)
        {
            sum += NetworkBytes.u8(memory, at) << 8; // an odd last byte is padded with zero (RFC 1071 section 1)
        }
        return sum;
    }

    /** Sum of the IPv4 pseudo-header (RFC 9293 section 3.1, RFC 768). */
    public static long ipv4PseudoHeaderSum(final int source, final int destination, final int protocol, final int length)
    {
        return (source & 0xffff_ffffL) + (destination & 0xffff_ffffL) + protocol + length;
    }

    /** Sum of the IPv6 pseudo-header (RFC 8200 section 8.1): addresses, upper-layer length, next header. */
    public static long ipv6PseudoHeaderSum(
        final long sourceHi,
        final long sourceLo,
        final long destinationHi,
        final long destinationLo,
        final int nextHeader,
        final int length)
    {
        return halves(sourceHi) + halves(sourceLo) + halves(destinationHi) + halves(destinationLo)
            + (length & 0xffff_ffffL) + nextHeader;
    }

    /** Folds the carries back in and complements: the value to store in a checksum field. */
    public static int fold(final long sum)
    {
        return (int)~fold16(sum) & 0xffff;
    }

    /** True when a range that includes its checksum field sums to all ones, i.e. the checksum is correct. */
    public static boolean isValid(final long sumIncludingChecksum)
    {
        return fold(sumIncludingChecksum) == 0;
    }

    /**
     * Incremental update of a stored checksum when one 16-bit word changes from {@code oldWord} to {@code newWord}:
     * RFC 1624 equation 3, HC' = ~(~HC + ~m + m').
     */
    public static int update16(final int checksum, final int oldWord, final int newWord)
    {
        final long sum = (~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
        return fold(sum);
    }

    /** End-around-carry fold of any sum to 16 bits, without complementing; non-zero stays non-zero. */
    private static long fold16(final long sum)
    {
        long folded = (sum & 0xffff_ffffL) + (sum >>> 32);
        folded = (folded & 0xffff) + (folded >>> 16);
        folded = (folded & 0xffff) + (folded >>> 16);
        return (folded & 0xffff) + (folded >>> 16);
    }

    private static long halves(final long value)
    {
        return (value >>> 32) + (value & 0xffff_ffffL);
    }
}
