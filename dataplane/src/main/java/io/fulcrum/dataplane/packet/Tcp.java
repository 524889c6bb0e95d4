package io.fulcrum.dataplane.packet;

import java.lang.foreign.MemorySegment;

/** TCP header (RFC 9293 section 3.1). */
public final class Tcp
{
    public static final int SOURCE_PORT = 0;
    public static final int DESTINATION_PORT = 2;
    public static final int SEQUENCE = 4;
    public static final int ACKNOWLEDGEMENT = 8;
    public static final int DATA_OFFSET = 12;
    public static final int FLAGS = 13;
    public static final int WINDOW = 14;
    public static final int CHECKSUM = 16;
    public static final int URGENT_POINTER = 18;
    public static final int MIN_HEADER_LENGTH = 20;

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    private Tcp()
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

    public static int headerLength(final MemorySegment memory, final long header)
    {
        return (NetworkBytes.u8(memory, header + DATA_OFFSET) >>> 4) << 2;
    }

    public static int flags(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u8(memory, header + FLAGS);
    }

    /** The sequence number, as a 32-bit pattern. */
    public static int sequence(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u32(memory, header + SEQUENCE);
    }

    public static int acknowledgement(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u32(memory, header + ACKNOWLEDGEMENT);
    }

    /**
     * Writes a 20-byte header without options, with a zero checksum to be filled once the payload is in place (the
     * health checks' probes through a tunnel; the forwarding path never builds TCP).
     */
    public static void write(
        final MemorySegment memory,
        final long header,
        final int sourcePort,
        final int destinationPort,
        final int sequence,
        final int acknowledgement,
        final int flags,
        final int window)
    {
        NetworkBytes.setU32(memory, header + SOURCE_PORT, sourcePort << 16 | (destinationPort & 0xffff));
        NetworkBytes.setU32(memory, header + SEQUENCE, sequence);
        NetworkBytes.setU32(memory, header + ACKNOWLEDGEMENT, acknowledgement);
        NetworkBytes.setU16(memory, header + DATA_OFFSET, (MIN_HEADER_LENGTH / 4) << 12 | (flags & 0xff));
        NetworkBytes.setU16(memory, header + WINDOW, window);
        NetworkBytes.setU32(memory, header + CHECKSUM, 0);
    }
}
