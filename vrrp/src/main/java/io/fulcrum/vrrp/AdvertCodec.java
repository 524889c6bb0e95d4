package io.fulcrum.vrrp;

import java.lang.foreign.MemorySegment;

import io.fulcrum.dataplane.packet.Checksums;
import io.fulcrum.dataplane.packet.IpAddresses;
import io.fulcrum.dataplane.packet.NetworkBytes;

/**
 * Parses and builds VRRPv3 advertisements (RFC 9568 section 5) in place over a {@link MemorySegment} (wrap a byte
 * array with {@link MemorySegment#ofArray(byte[])}). Parsing returns an {@link AdvertReject} code and never throws on
 * any input; building writes the checksum over the pseudo-header, as keepalived 2.2.7 and FRR do.
 *
 * <pre>
 *  0                   1                   2                   3
 *  |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
 *  |(rsvd) |     Max Adver Int     |          Checksum             |
 *  |                       IPvX Address(es)                        |
 * </pre>
 */
public final class AdvertCodec
{
    /** IANA protocol number of VRRP. */
    public static final int PROTOCOL = 112;
    public static final int VERSION = 3;
    public static final int TYPE_ADVERTISEMENT = 1;
    public static final int HEADER_LENGTH = 8;
    /** Section 5.1.1.3 / 5.1.2.3: sent with TTL / Hop Limit 255, and checked on receipt. */
    public static final int TTL = 255;
    public static final int MAX_ADVER_INTERVAL_CS = 4095;
    /** The count field is 8 bits. */
    public static final int MAX_ADDRESSES = 255;
    /** 224.0.0.18 (section 5.1.1.2), IPv4-mapped. */
    public static final long GROUP_V4_LO = IpAddresses.v4Lo(0xE0000012);
    /** ff02::12 (section 5.1.2.2). */
    public static final long GROUP_V6_HI = 0xff02_0000_0000_0000L;
    public static final long GROUP_V6_LO = 0x12L;
    /** Largest advertisement: header and 255 IPv6 addresses. */
    public static final int MAX_LENGTH = HEADER_LENGTH + MAX_ADDRESSES * 16;

    private static final int IPV4_MIN_HEADER = 20;

    private AdvertCodec()
    {
    }

    public static int addressLength(final int family)
    {
        return family == 4 ? 4 : 16;
    }

    /**
     * Parses a whole IPv4 packet as a raw IPv4 socket delivers it (IP header included), taking TTL and addresses
     * from the header, then the advertisement after it.
     */
    public static int parseIpv4Packet(final MemorySegment memory, final long offset, final int length,
        final VridSet vrids, final Advert out)
    {
        if (length < IPV4_MIN_HEADER || offset < 0 || offset + length > memory.byteSize())
        {
            return AdvertReject.TRUNCATED;
        }
        final int versionIhl = NetworkBytes.u8(memory, offset);
        if (versionIhl >>> 4 != 4 || NetworkBytes.u8(memory, offset + 9) != PROTOCOL)
        {
            return AdvertReject.NOT_VRRP;
        }
        final int headerLength = (versionIhl & 0x0f) * 4;
        final int totalLength = NetworkBytes.u16(memory, offset + 2);
        if (headerLength < IPV4_MIN_HEADER || totalLength < headerLength || totalLength > length)
        {
            return AdvertReject.TRUNCATED;
        }
        final int ttl = NetworkBytes.u8(memory, offset + 8);
        final long source = IpAddresses.v4Lo(NetworkBytes.u32(memory, offset + 12));
        final long destination = IpAddresses.v4Lo(NetworkBytes.u32(memory, offset + 16));
        return parse(memory, offset + headerLength, totalLength - headerLength, 4, 0, source, 0, destination, ttl,
            vrids, out);
    }

    /**
     * Parses the advertisement of {@code length} bytes at {@code offset}, received from {@code source} to
     * {@code destination} (needed for the pseudo-header checksum) with the given TTL / Hop Limit, in the order of
     * RFC 9568 section 7.1. Fills {@code out} and returns {@link AdvertReject#ACCEPTED}, or returns a reject code.
     */
    public static int parse(final MemorySegment memory, final long offset, final int length, final int family,
        final long sourceHi, final long sourceLo, final long destinationHi, final long destinationLo, final int ttl,
        final VridSet vrids, final Advert out)
    {
        if (length < HEADER_LENGTH || offset < 0 || offset + length > memory.byteSize())
        {
            return AdvertReject.TRUNCATED;
        }
        if (ttl != TTL)
        {
            return AdvertReject.TTL;
        }
        final int versionType = NetworkBytes.u8(memory, offset);
        if (versionType >>> 4 != VERSION)
        {
            return AdvertReject.VERSION;
        }
        if ((versionType & 0x0f) != TYPE_ADVERTISEMENT)
        {
            return AdvertReject.TYPE;
        }
        final int count = NetworkBytes.u8(memory, offset + 3);
        final int expected = HEADER_LENGTH + count * addressLength(family);
        if (length < expected)
        {
            return AdvertReject.TRUNCATED;
        }
        if (length > expected || count == 0)
        {
            return AdvertReject.ADDRESS_COUNT;
        }
        final long message = Checksums.sum(memory, offset, length);
        final int form;
        if (Checksums.isValid(message + pseudoHeaderSum(family, sourceHi, sourceLo, destinationHi, destinationLo,
            length)))
        {
            form = Advert.CHECKSUM_PSEUDO_HEADER;
        }
        else if (family == 4 && Checksums.isValid(message))
        {
            form = Advert.CHECKSUM_MESSAGE_ONLY;
        }
        else
        {
            return AdvertReject.CHECKSUM;
        }
        final int vrid = NetworkBytes.u8(memory, offset + 1);
        if (!vrids.contains(vrid))
        {
            return AdvertReject.VRID;
        }
        final int interval = NetworkBytes.u16(memory, offset + 4) & 0x0fff;
        if (interval == 0)
        {
            return AdvertReject.INTERVAL;
        }
        out.family = family;
        out.vrid = vrid;
        out.priority = NetworkBytes.u8(memory, offset + 2);
        out.count = count;
        out.maxAdverIntervalCs = interval;
        out.checksumForm = form;
        out.ttl = ttl;
        out.sourceHi = sourceHi;
        out.sourceLo = sourceLo;
        out.memory = memory;
        out.addressesOffset = offset + HEADER_LENGTH;
        return AdvertReject.ACCEPTED;
    }

    /**
     * Writes an advertisement at {@code offset} and returns its length. Addresses are (hi, lo) pairs of
     * {@code family}; for IPv6 the caller puts the link-local address first (section 5.2.9). The checksum covers the
     * pseudo-header of {@code source} to {@code destination}.
     */
    public static int build(final MemorySegment memory, final long offset, final int family, final int vrid,
        final int priority, final int maxAdverIntervalCs, final long[] addressesHi, final long[] addressesLo,
        final int count, final long sourceHi, final long sourceLo, final long destinationHi,
        final long destinationLo)
    {
        if (family != 4 && family != 6)
        {
            throw new IllegalArgumentException("family must be 4 or 6: " + family);
        }
        if (vrid < 1 || vrid > 255 || priority < 0 || priority > 255 || count < 1 || count > MAX_ADDRESSES
            || maxAdverIntervalCs < 1 || maxAdverIntervalCs > MAX_ADVER_INTERVAL_CS)
        {
            throw new IllegalArgumentException("vrid " + vrid + ", priority " + priority + ", count " + count
                + ", interval " + maxAdverIntervalCs + "cs out of range");
        }
        final int addressLength = addressLength(family);
        final int length = HEADER_LENGTH + count * addressLength;
        NetworkBytes.setU8(memory, offset, VERSION << 4 | TYPE_ADVERTISEMENT);
        NetworkBytes.setU8(memory, offset + 1, vrid);
        NetworkBytes.setU8(memory, offset + 2, priority);
        NetworkBytes.setU8(memory, offset + 3, count);
        NetworkBytes.setU16(memory, offset + 4, maxAdverIntervalCs);
        NetworkBytes.setU16(memory, offset + 6, 0);
        long at = offset + HEADER_LENGTH;
        for (int i = 0; i < count; i++)
        {
            if (IpAddresses.isV4(addressesHi[i], addressesLo[i]) != (family == 4))
            {
                throw new IllegalArgumentException("an IPv" + family + " advertisement carries IPv" + family
                    + " addresses only: " + IpAddresses.format(addressesHi[i], addressesLo[i]));
            }
            if (family == 4)
            {
                NetworkBytes.setU32(memory, at, IpAddresses.v4(addressesLo[i]));
            }
            else
            {
                NetworkBytes.setU64(memory, at, addressesHi[i]);
                NetworkBytes.setU64(memory, at + 8, addressesLo[i]);
            }
            at += addressLength;
        }
        final long sum = Checksums.sum(memory, offset, length)
            + pseudoHeaderSum(family, sourceHi, sourceLo, destinationHi, destinationLo, length);
        NetworkBytes.setU16(memory, offset + 6, Checksums.fold(sum));
        return length;
    }

    private static long pseudoHeaderSum(final int family, final long sourceHi, final long sourceLo,
        final long destinationHi, final long destinationLo, final int length)
    {
        return family == 4
            ? Checksums.ipv4PseudoHeaderSum(IpAddresses.v4(sourceLo), IpAddresses.v4(destinationLo), PROTOCOL, length)
            : Checksums.ipv6PseudoHeaderSum(sourceHi, sourceLo, destinationHi, destinationLo, PROTOCOL, length);
    }
}
