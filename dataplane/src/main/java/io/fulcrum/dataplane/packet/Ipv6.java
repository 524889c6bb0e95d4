package io.fulcrum.dataplane.packet;

import java.lang.foreign.MemorySegment;

/** IPv6 fixed header and the extension headers the parser walks (RFC 8200 sections 3 and 4). */
public final class Ipv6
{
    public static final int VERSION_CLASS_FLOW = 0;
    public static final int PAYLOAD_LENGTH = 4;
    public static final int NEXT_HEADER = 6;
    public static final int HOP_LIMIT = 7;
    public static final int SOURCE = 8;
    public static final int DESTINATION = 24;
    public static final int HEADER_LENGTH = 40;
    /** RFC 8200 section 5: every link carries at least this; ICMPv6 errors fit in it (RFC 4443 section 2.4 (c)). */
    public static final int MIN_MTU = 1280;

    public static final int HOP_BY_HOP = 0;
    public static final int ROUTING = 43;
    public static final int FRAGMENT = 44;
    public static final int DESTINATION_OPTIONS = 60;
    public static final int NO_NEXT_HEADER = 59;

    /** Extension header common fields: next header, then length in 8-octet units not counting the first 8. */
    public static final int EXTENSION_NEXT_HEADER = 0;
    public static final int EXTENSION_LENGTH = 1;
    /** Fragment header (RFC 8200 section 4.5): offset in 8-octet units in the top 13 bits, M flag in bit 0. */
    public static final int FRAGMENT_OFFSET_FLAGS = 2;
    public static final int FRAGMENT_IDENTIFICATION = 4;
    public static final int FRAGMENT_HEADER_LENGTH = 8;
    public static final int FRAGMENT_OFFSET_MASK = 0xfff8;
    public static final int FRAGMENT_MORE = 1;

    private Ipv6()
    {
    }

    public static int version(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u8(memory, header) >>> 4;
    }

    public static int trafficClass(final MemorySegment memory, final long header)
    {
        return (NetworkBytes.u16(memory, header + VERSION_CLASS_FLOW) >>> 4) & 0xff;
    }

    public static int payloadLength(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u16(memory, header + PAYLOAD_LENGTH);
    }

    public static int nextHeader(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u8(memory, header + NEXT_HEADER);
    }

    public static int hopLimit(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u8(memory, header + HOP_LIMIT);
    }

    public static long sourceHi(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u64(memory, header + SOURCE);
    }

    public static long sourceLo(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u64(memory, header + SOURCE + 8);
    }

    public static long destinationHi(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u64(memory, header + DESTINATION);
    }

    public static long destinationLo(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u64(memory, header + DESTINATION + 8);
    }

    /** Writes the 40-byte fixed header; {@code flowLabel} uses its low 20 bits. */
    public static void write(
        final MemorySegment memory,
        final long header,
        final int trafficClass,
        final int flowLabel,
        final int payloadLength,
        final int nextHeader,
        final int hopLimit,
        final long sourceHi,
        final long sourceLo,
        final long destinationHi,
        final long destinationLo)
    {
        NetworkBytes.setU32(memory, header + VERSION_CLASS_FLOW, 6 << 28 | (trafficClass & 0xff) << 20 | (flowLabel & 0xfffff));
        NetworkBytes.setU16(memory, header + PAYLOAD_LENGTH, payloadLength);
        NetworkBytes.setU16(memory, header + NEXT_HEADER, (nextHeader & 0xff) << 8 | (hopLimit & 0xff));
        NetworkBytes.setU64(memory, header + SOURCE, sourceHi);
        NetworkBytes.setU64(memory, header + SOURCE + 8, sourceLo);
        NetworkBytes.setU64(memory, header + DESTINATION, destinationHi);
        NetworkBytes.setU64(memory, header + DESTINATION + 8, destinationLo);
    }
}
