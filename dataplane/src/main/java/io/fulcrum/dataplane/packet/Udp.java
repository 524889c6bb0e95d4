package io.fulcrum.dataplane.packet;

import java.lang.foreign.MemorySegment;

/** UDP header (RFC 768). */
public final class Udp
{
    public static final int SOURCE_PORT = 0;
    public static final int DESTINATION_PORT = 2;
    public static final int LENGTH = 4;
    public static final int CHECKSUM = 6;
    public static final int HEADER_LENGTH = 8;

    private Udp()
    {
    }

    public static int sourcePort(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u16(memory, header + SOURCE_PORT);
    }

    public static int destinationPort(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u16(memory, header + DESTINATION_PORT);
    }

    public static int length(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u16(memory, header + LENGTH);
    }

    /** Writes ports and length with a zero checksum, to be filled once the payload is in place. */
    public static void write(
        final MemorySegment memory,
        final long header,
        final int sourcePort,
        final int destinationPort,
        final int length)
    {
        NetworkBytes.setU32(memory, header + SOURCE_PORT, sourcePort << 16 | (destinationPort & 0xffff));
        NetworkBytes.setU32(memory, header + LENGTH, length << 16);
    }
}
