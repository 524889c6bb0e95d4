package io.fulcrum.dataplane.packet;

import java.lang.foreign.MemorySegment;

/**
 * The Internet checksum (RFC 1071): the one's complement of the one's complement sum of 16-bit words. Partial sums
 * are carried in a long and only folded at the end, so sums of several ranges (pseudo-header, header, payload) simply
 * add; every range but the last must have an even length.
 */
public final class Checksums
{
    private Checksums()
    {
    }

    /**
     * Unfolded sum of {@code length} bytes at {@code offset}, read eight at a time. Adding the two 32-bit halves of each
     * big-endian word keeps the sum congruent modulo 0xffff to the sum of 16-bit words (2^16 = 1 mod 0xffff, RFC 1071
     * section 2 (B)); each step adds at most 2^33, so no carry is lost below 2^30 words.
     */
    public static long sum(final MemorySegment memory, final long offset, final int length)
    {
        long sum = 0;
        long at = offset;
        final long end = offset + length;
        while (end - at >= 8)
        {
            final long word = NetworkBytes.u64(memory, at);
            sum += (word >>> 32) + (word & 0xffff_ffffL);
            at += 8;
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
        long folded = (sum & 0xffff_ffffL) + (sum >>> 32);
        folded = (folded & 0xffff) + (folded >>> 16);
        folded = (folded & 0xffff) + (folded >>> 16);
        folded = (folded & 0xffff) + (folded >>> 16);
        return (int)~folded & 0xffff;
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

    private static long halves(final long value)
    {
        return (value >>> 32) + (value & 0xffff_ffffL);
    }
}
