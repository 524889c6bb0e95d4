package io.fulcrum.dataplane.packet;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Big-endian (network order) field access at any byte offset of a segment: the only layouts the header classes use.
 * Values are returned unsigned in the next wider primitive.
 */
public final class NetworkBytes
{
    public static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private NetworkBytes()
    {
    }

    public static int u8(final MemorySegment memory, final long offset)
    {
        return memory.get(ValueLayout.JAVA_BYTE, offset) & 0xff;
    }

    public static int u16(final MemorySegment memory, final long offset)
    {
        return memory.get(U16, offset) & 0xffff;
    }

    public static int u32(final MemorySegment memory, final long offset)
    {
        return memory.get(U32, offset);
    }

    public static long u64(final MemorySegment memory, final long offset)
    {
        return memory.get(U64, offset);
    }

    /** A 48-bit Ethernet address as the low bits of a long, first octet most significant. */
    public static long u48(final MemorySegment memory, final long offset)
    {
        return (memory.get(U16, offset) & 0xffffL) << 32 | (memory.get(U32, offset + 2) & 0xffff_ffffL);
    }

    public static void setU8(final MemorySegment memory, final long offset, final int value)
    {
        memory.set(ValueLayout.JAVA_BYTE, offset, (byte)value);
    }

    public static void setU16(final MemorySegment memory, final long offset, final int value)
    {
        memory.set(U16, offset, (short)value);
    }

    public static void setU32(final MemorySegment memory, final long offset, final int value)
    {
        memory.set(U32, offset, value);
    }

    public static void setU64(final MemorySegment memory, final long offset, final long value)
    {
        memory.set(U64, offset, value);
    }

    public static void setU48(final MemorySegment memory, final long offset, final long value)
    {
        memory.set(U16, offset, (short)(value >>> 32));
        memory.set(U32, offset + 2, (int)value);
    }
}
