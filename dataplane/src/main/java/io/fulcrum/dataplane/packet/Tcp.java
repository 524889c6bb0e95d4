package io.fulcrum.dataplane.packet;

import java.lang.foreign.MemorySegment;

/** TCP header (RFC 9293 section 3.1). */
public final class Tcp
{
    public static final int SOURCE_PORT = 0;
    public static final int DESTINATION_PORT = 2;
    public static final int DATA_OFFSET = 12;
    public static final int FLAGS = 13;
    public static final int CHECKSUM = 16;
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
}
