package io.fulcrum.dataplane.sync;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import io.fulcrum.dataplane.flow.FlowKey;

/**
 * One connection-table change, 56 bytes, little-endian: the same bytes in a worker's ring, in a sync datagram and
 * in the standby's install ring, so that the sync agent copies records and never decodes them on the master.
 *
 * <pre>
 * offset size field
 *  0      1   type: {@link #OPEN} (a flow and its backend) or {@link #CLOSING} (TCP FIN or RST seen)
 *  1      1   IP protocol
 *  2      2   source port
 *  4      2   destination port
 *  6      2   flags ({@link #FLAG_CLOSING}: an OPEN record of a flow already closing, sent by a resync)
 *  8     16   source address (IPv4-mapped for IPv4)
 * 24     16   destination address (the VIP)
 * 40     16   backend address: portable, since backend ids differ between the two appliances. In an install ring
 *             (standby, after resolution) the first 4 bytes hold the local backend id instead.
 * </pre>
 */
public final class SyncRecord
{
    public static final int LENGTH = 56;
    public static final int OPEN = 1;
    public static final int CLOSING = 2;
    public static final int FLAG_CLOSING = 1;

    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    static final int TYPE = 0;
    static final int PROTOCOL = 1;
    static final int SRC_PORT = 2;
    static final int DST_PORT = 4;
    static final int FLAGS = 6;
    static final int SRC_HI = 8;
    static final int SRC_LO = 16;
    static final int DST_HI = 24;
    static final int DST_LO = 32;
    static final int BACKEND_HI = 40;
    static final int BACKEND_LO = 48;
    static final int BACKEND_ID = 40;

    private SyncRecord()
    {
    }

    /** Writes a record for {@code key} at {@code offset}; backend fields are written by the caller. */
    static void writeKey(final MutableDirectBuffer buffer, final int offset, final int type, final int flags,
        final FlowKey key)
    {
        buffer.putByte(offset + TYPE, (byte)type);
        buffer.putByte(offset + PROTOCOL, (byte)key.protocol());
        buffer.putShort(offset + SRC_PORT, (short)key.srcPort(), ORDER);
        buffer.putShort(offset + DST_PORT, (short)key.dstPort(), ORDER);
        buffer.putShort(offset + FLAGS, (short)flags, ORDER);
        buffer.putLong(offset + SRC_HI, key.srcHi(), ORDER);
        buffer.putLong(offset + SRC_LO, key.srcLo(), ORDER);
        buffer.putLong(offset + DST_HI, key.dstHi(), ORDER);
        buffer.putLong(offset + DST_LO, key.dstLo(), ORDER);
    }

    static void writeBackend(final MutableDirectBuffer buffer, final int offset, final long hi, final long lo)
    {
        buffer.putLong(offset + BACKEND_HI, hi, ORDER);
        buffer.putLong(offset + BACKEND_LO, lo, ORDER);
    }

    /** Reads the record's flow into {@code key}. */
    static FlowKey readKey(final DirectBuffer buffer, final int offset, final FlowKey key)
    {
        return key.set(
            buffer.getLong(offset + SRC_HI, ORDER),
            buffer.getLong(offset + SRC_LO, ORDER),
            buffer.getLong(offset + DST_HI, ORDER),
            buffer.getLong(offset + DST_LO, ORDER),
            buffer.getShort(offset + SRC_PORT, ORDER) & 0xffff,
            buffer.getShort(offset + DST_PORT, ORDER) & 0xffff,
            buffer.getByte(offset + PROTOCOL) & 0xff);
    }

    /** True when the records at the two offsets are of the same flow (protocol, ports and addresses). */
    static boolean sameFlow(final DirectBuffer a, final int aOffset, final DirectBuffer b, final int bOffset)
    {
        return a.getByte(aOffset + PROTOCOL) == b.getByte(bOffset + PROTOCOL) &&
            a.getShort(aOffset + SRC_PORT, ORDER) == b.getShort(bOffset + SRC_PORT, ORDER) &&
            a.getShort(aOffset + DST_PORT, ORDER) == b.getShort(bOffset + DST_PORT, ORDER) &&
            a.getLong(aOffset + SRC_HI, ORDER) == b.getLong(bOffset + SRC_HI, ORDER) &&
            a.getLong(aOffset + SRC_LO, ORDER) == b.getLong(bOffset + SRC_LO, ORDER) &&
            a.getLong(aOffset + DST_HI, ORDER) == b.getLong(bOffset + DST_HI, ORDER) &&
            a.getLong(aOffset + DST_LO, ORDER) == b.getLong(bOffset + DST_LO, ORDER);
    }

    static int type(final DirectBuffer buffer, final int offset)
    {
        return buffer.getByte(offset + TYPE) & 0xff;
    }

    static int flags(final DirectBuffer buffer, final int offset)
    {
        return buffer.getShort(offset + FLAGS, ORDER) & 0xffff;
    }

    static long backendHi(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + BACKEND_HI, ORDER);
    }

    static long backendLo(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + BACKEND_LO, ORDER);
    }
}
