package io.fulcrum.dataplane.sync;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The sync datagram's header, little-endian, read and written in place (a flyweight over the datagram's buffer).
 * Every datagram ends with an HMAC-SHA256 of everything before it ({@link MessageAuthenticator}).
 *
 * <pre>
 * offset size field
 *  0      4   magic "FSYN"
 *  4      1   version (1)
 *  5      1   type: {@link #DATA} (master to standby: records) or {@link #STATUS} (standby to master: acknowledgement)
 *  6      2   flags: {@link #FLAG_RESYNC_REQUEST} on a STATUS, {@link #FLAG_RESYNC_COMPLETE} on the DATA
 *             that ends a resync (sent even without records)
 *  8      8   session epoch of the sender of this datagram (random, chosen when the node takes its sync role)
 * 16      8   the peer's session epoch as last heard from it (0: none yet); a datagram that does not echo the
 *             receiver's current epoch was made before the receiver's session began, and is refused as stale
 * 24      8   sequence number: of the DATA datagram (from 1, per pair of sessions), or of the STATUS (increasing)
 * 32      8   DATA: oldest sequence the master can still retransmit; STATUS: cumulative ack (all up to it received)
 * 40      4   DATA: record count
 * 44      4   reserved (0)
 * 48      8   STATUS: selective ack, bit i set when sequence ack + 2 + i was received out of order
 * 56          DATA: records of {@link SyncRecord#LENGTH} bytes each; then the 32-byte MAC
 * </pre>
 */
final class SyncMessage
{
    static final int MAGIC = 0x4e595346; // "FSYN" little-endian
    static final int VERSION = 1;
    static final int DATA = 1;
    static final int STATUS = 2;
    static final int FLAG_RESYNC_REQUEST = 1;
    static final int FLAG_RESYNC_COMPLETE = 2;

    static final int HEADER_LENGTH = 56;

    private static final int MAGIC_OFFSET = 0;
    private static final int VERSION_OFFSET = 4;
    private static final int TYPE_OFFSET = 5;
    private static final int FLAGS_OFFSET = 6;
    private static final int EPOCH_OFFSET = 8;
    private static final int PEER_EPOCH_OFFSET = 16;
    private static final int SEQUENCE_OFFSET = 24;
    private static final int MARK_OFFSET = 32;
    private static final int COUNT_OFFSET = 40;
    private static final int RESERVED_OFFSET = 44;
    private static final int SACK_OFFSET = 48;

    private MutableDirectBuffer buffer;
    private int offset;

    SyncMessage wrap(final MutableDirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    SyncMessage header(final int type, final int flags, final long epoch, final long peerEpoch, final long sequence)
    {
        buffer.putInt(offset + MAGIC_OFFSET, MAGIC, SyncRecord.ORDER);
        buffer.putByte(offset + VERSION_OFFSET, (byte)VERSION);
        buffer.putByte(offset + TYPE_OFFSET, (byte)type);
        buffer.putShort(offset + FLAGS_OFFSET, (short)flags, SyncRecord.ORDER);
        buffer.putLong(offset + EPOCH_OFFSET, epoch, SyncRecord.ORDER);
        buffer.putLong(offset + PEER_EPOCH_OFFSET, peerEpoch, SyncRecord.ORDER);
        buffer.putLong(offset + SEQUENCE_OFFSET, sequence, SyncRecord.ORDER);
        buffer.putLong(offset + MARK_OFFSET, 0, SyncRecord.ORDER);
        buffer.putInt(offset + COUNT_OFFSET, 0, SyncRecord.ORDER);
        buffer.putInt(offset + RESERVED_OFFSET, 0, SyncRecord.ORDER);
        buffer.putLong(offset + SACK_OFFSET, 0, SyncRecord.ORDER);
        return this;
    }

    /** True when the datagram of {@code length} bytes has this protocol's magic, version and a whole body. */
    static boolean wellFormed(final DirectBuffer buffer, final int length)
    {
        if (length < HEADER_LENGTH + MessageAuthenticator.MAC_LENGTH ||
            buffer.getInt(MAGIC_OFFSET, SyncRecord.ORDER) != MAGIC ||
            (buffer.getByte(VERSION_OFFSET) & 0xff) != VERSION)
        {
            return false;
        }
        final int type = buffer.getByte(TYPE_OFFSET) & 0xff;
        final int count = buffer.getInt(COUNT_OFFSET, SyncRecord.ORDER);
        if (type == DATA)
        {
            return count >= 0 && count <= (length - HEADER_LENGTH) / SyncRecord.LENGTH &&
                length == HEADER_LENGTH + count * SyncRecord.LENGTH + MessageAuthenticator.MAC_LENGTH;
        }
        return type == STATUS && length == HEADER_LENGTH + MessageAuthenticator.MAC_LENGTH;
    }

    int type()
    {
        return buffer.getByte(offset + TYPE_OFFSET) & 0xff;
    }

    int flags()
    {
        return buffer.getShort(offset + FLAGS_OFFSET, SyncRecord.ORDER) & 0xffff;
    }

    long epoch()
    {
        return buffer.getLong(offset + EPOCH_OFFSET, SyncRecord.ORDER);
    }

    long peerEpoch()
    {
        return buffer.getLong(offset + PEER_EPOCH_OFFSET, SyncRecord.ORDER);
    }

    long sequence()
    {
        return buffer.getLong(offset + SEQUENCE_OFFSET, SyncRecord.ORDER);
    }

    long mark()
    {
        return buffer.getLong(offset + MARK_OFFSET, SyncRecord.ORDER);
    }

    SyncMessage mark(final long value)
    {
        buffer.putLong(offset + MARK_OFFSET, value, SyncRecord.ORDER);
        return this;
    }

    SyncMessage flags(final int value)
    {
        buffer.putShort(offset + FLAGS_OFFSET, (short)value, SyncRecord.ORDER);
        return this;
    }

    int count()
    {
        return buffer.getInt(offset + COUNT_OFFSET, SyncRecord.ORDER);
    }

    SyncMessage count(final int value)
    {
        buffer.putInt(offset + COUNT_OFFSET, value, SyncRecord.ORDER);
        return this;
    }

    long selectiveAck()
    {
        return buffer.getLong(offset + SACK_OFFSET, SyncRecord.ORDER);
    }

    SyncMessage selectiveAck(final long bits)
    {
        buffer.putLong(offset + SACK_OFFSET, bits, SyncRecord.ORDER);
        return this;
    }

    static int recordOffset(final int index)
    {
        return HEADER_LENGTH + index * SyncRecord.LENGTH;
    }

    static int dataLength(final int records)
    {
        return HEADER_LENGTH + records * SyncRecord.LENGTH + MessageAuthenticator.MAC_LENGTH;
    }
}
