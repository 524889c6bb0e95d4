package io.fulcrum.dataplane.packet;

import java.lang.foreign.MemorySegment;

/** IPv4 header (RFC 791 section 3.1). Offsets are relative to the header's first byte. */
public final class Ipv4
{
    public static final int VERSION_IHL = 0;
    public static final int TOS = 1;
    public static final int TOTAL_LENGTH = 2;
    public static final int IDENTIFICATION = 4;
    public static final int FLAGS_FRAGMENT_OFFSET = 6;
    public static final int TTL = 8;
    public static final int PROTOCOL = 9;
    public static final int CHECKSUM = 10;
    public static final int SOURCE = 12;
    public static final int DESTINATION = 16;
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int MAX_PACKET_LENGTH = 65535;

    public static final int FLAG_RESERVED = 0x8000;
    public static final int FLAG_DONT_FRAGMENT = 0x4000;
    public static final int FLAG_MORE_FRAGMENTS = 0x2000;
    public static final int FRAGMENT_OFFSET_MASK = 0x1fff;

    /** IANA protocol numbers used on the per-packet path. */
    public static final int PROTOCOL_ICMP = 1;
    public static final int PROTOCOL_IPIP = 4;
    public static final int PROTOCOL_TCP = 6;
    public static final int PROTOCOL_UDP = 17;
    public static final int PROTOCOL_IPV6 = 41;
    public static final int PROTOCOL_ICMPV6 = 58;
    public static final int PROTOCOL_NO_NEXT_HEADER = 59;

    private Ipv4()
    {
    }

    public static int version(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u8(memory, header + VERSION_IHL) >>> 4;
    }

    public static int headerLength(final MemorySegment memory, final long header)
    {
        return (NetworkBytes.u8(memory, header + VERSION_IHL) & 0xf) << 2;
    }

    public static int tos(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u8(memory, header + TOS);
    }

    public static int totalLength(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u16(memory, header + TOTAL_LENGTH);
    }

    public static int identification(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u16(memory, header + IDENTIFICATION);
    }

    public static int flagsAndFragmentOffset(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u16(memory, header + FLAGS_FRAGMENT_OFFSET);
    }

    public static int ttl(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u8(memory, header + TTL);
    }

    public static int protocol(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u8(memory, header + PROTOCOL);
    }

    public static int checksum(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u16(memory, header + CHECKSUM);
    }

    public static int source(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u32(memory, header + SOURCE);
    }

    public static int destination(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u32(memory, header + DESTINATION);
    }

    /**
     * Writes a 20-byte header without options, checksum included. {@code flags} holds the DF/MF bits and fragment
     * offset exactly as on the wire.
     */
    public static void write(
        final MemorySegment memory,
        final long header,
        final int tos,
        final int totalLength,
        final int identification,
        final int flags,
        final int ttl,
        final int protocol,
        final int source,
        final int destination)
    {
        NetworkBytes.setU16(memory, header + VERSION_IHL, 0x4500 | (tos & 0xff));
        NetworkBytes.setU16(memory, header + TOTAL_LENGTH, totalLength);
        NetworkBytes.setU16(memory, header + IDENTIFICATION, identification);
        NetworkBytes.setU16(memory, header + FLAGS_FRAGMENT_OFFSET, flags);
        NetworkBytes.setU16(memory, header + TTL, (ttl & 0xff) << 8 | (protocol & 0xff));
        NetworkBytes.setU16(memory, header + CHECKSUM, 0);
        NetworkBytes.setU32(memory, header + SOURCE, source);
        NetworkBytes.setU32(memory, header + DESTINATION, destination);
        NetworkBytes.setU16(memory, header + CHECKSUM, Checksums.fold(Checksums.sum(memory, header, MIN_HEADER_LENGTH)));
    }
}
