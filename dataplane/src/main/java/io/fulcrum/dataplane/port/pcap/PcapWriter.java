package io.fulcrum.dataplane.port.pcap;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes Ethernet frames to a classic libpcap file (magic 0xa1b2c3d4, version 2.4, microsecond timestamps,
 * LINKTYPE_ETHERNET), the format tcpdump, tshark and tcpreplay all read. For tests, replay and capture; not tuned
 * for line rate.
 */
public final class PcapWriter implements AutoCloseable
{
    public static final int MAGIC_MICROSECONDS = 0xa1b2c3d4;
    public static final int MAGIC_NANOSECONDS = 0xa1b23c4d;
    public static final int LINKTYPE_ETHERNET = 1;
    public static final int SNAP_LENGTH = 262144;
    static final int FILE_HEADER_LENGTH = 24;
    static final int RECORD_HEADER_LENGTH = 16;

    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(2 * SNAP_LENGTH).order(ByteOrder.nativeOrder());

    public PcapWriter(final Path path) throws IOException
    {
        channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING);
        buffer.putInt(MAGIC_MICROSECONDS).putShort((short)2).putShort((short)4)
            .putInt(0).putInt(0) // thiszone, sigfigs
            .putInt(SNAP_LENGTH).putInt(LINKTYPE_ETHERNET);
    }

    public void write(final MemorySegment memory, final long offset, final int length, final long timestampNanos)
        throws IOException
    {
        final int captured = Math.min(length, SNAP_LENGTH);
        writeRecordHeader(captured, length, timestampNanos);
        ensureRoom(captured);
        MemorySegment.copy(memory, ValueLayout.JAVA_BYTE, offset, buffer.array(), buffer.position(), captured);
        buffer.position(buffer.position() + captured);
    }

    public void write(final byte[] frame, final long timestampNanos) throws IOException
    {
        write(MemorySegment.ofArray(frame), 0, frame.length, timestampNanos);
    }

    private void writeRecordHeader(final int captured, final int length, final long timestampNanos) throws IOException
    {
        ensureRoom(RECORD_HEADER_LENGTH);
        buffer.putInt((int)Math.floorDiv(timestampNanos, 1_000_000_000L))
            .putInt((int)(Math.floorMod(timestampNanos, 1_000_000_000L) / 1000))
            .putInt(captured)
            .putInt(length);
    }

    private void ensureRoom(final int length) throws IOException
    {
        if (buffer.remaining() < length)
        {
            flush();
            if (buffer.capacity() < length)
            {
                throw new IllegalStateException("unreachable: snap length fits the buffer");
            }
        }
    }

    public void flush() throws IOException
    {
        buffer.flip();
        while (buffer.hasRemaining())
        {
            channel.write(buffer);
        }
        buffer.clear();
    }

    @Override
    public void close() throws IOException
    {
        try
        {
            flush();
        }
        finally
        {
            channel.close();
        }
    }
}
