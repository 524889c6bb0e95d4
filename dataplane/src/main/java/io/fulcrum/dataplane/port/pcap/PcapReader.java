package io.fulcrum.dataplane.port.pcap;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads Ethernet frames from a classic libpcap file written in either byte order, with microsecond (0xa1b2c3d4) or
 * nanosecond (0xa1b23c4d) timestamps. pcapng is not read: convert with {@code editcap -F pcap}.
 */
public final class PcapReader implements AutoCloseable
{
    /** Larger records than this mean a corrupt file, not a frame (libpcap's own limit is 256 KiB). */
    private static final int MAX_RECORD_LENGTH = 1 << 20;

    private final Path path;
    private final InputStream in;
    private final ByteBuffer header = ByteBuffer.allocate(PcapWriter.FILE_HEADER_LENGTH);
    private final boolean nanoseconds;
    private final int linkType;
    private byte[] record = new byte[2048];
    private long timestampNanos;

    public PcapReader(final Path path) throws IOException
    {
        this.path = path;
        in = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        try
        {
            if (!readFully(header.array(), PcapWriter.FILE_HEADER_LENGTH))
            {
                throw new IOException(path + " is not a pcap file: shorter than the 24-byte pcap header");
            }
            final int magic = header.order(ByteOrder.BIG_ENDIAN).getInt(0);
            if (magic == PcapWriter.MAGIC_MICROSECONDS || magic == PcapWriter.MAGIC_NANOSECONDS)
            {
                header.order(ByteOrder.BIG_ENDIAN);
            }
            else if (Integer.reverseBytes(magic) == PcapWriter.MAGIC_MICROSECONDS
                || Integer.reverseBytes(magic) == PcapWriter.MAGIC_NANOSECONDS)
            {
                header.order(ByteOrder.LITTLE_ENDIAN);
            }
            else if (magic == 0x0a0d0d0a)
            {
                throw new IOException(path + " is pcapng, not classic pcap: convert it with 'editcap -F pcap'");
            }
            else
            {
                throw new IOException(path + " is not a pcap file: magic 0x" + Integer.toHexString(magic));
            }
            nanoseconds = header.getInt(0) == PcapWriter.MAGIC_NANOSECONDS;
            linkType = header.getInt(20) & 0x0fff_ffff; // the upper bits may carry FCS information
        }
        catch (final IOException e)
        {
            in.close();
            throw e;
        }
    }

    /** The file's link type; 1 (Ethernet) for everything Fulcrum writes. */
    public int linkType()
    {
        return linkType;
    }

    /**
     * Copies the next frame to {@code dst} at {@code dstOffset}, truncated to {@code maxLength}, and returns the number
     * of bytes copied; -1 at the end of the file.
     */
    public int next(final MemorySegment dst, final long dstOffset, final int maxLength) throws IOException
    {
        final byte[] recordHeader = header.array();
        final int first = in.read();
        if (first < 0)
        {
            return -1;
        }
        recordHeader[0] = (byte)first;
        if (!readFully(recordHeader, 1, PcapWriter.RECORD_HEADER_LENGTH - 1))
        {
            throw new EOFException(path + ": truncated pcap record header");
        }
        final long seconds = header.getInt(0) & 0xffff_ffffL;
        final long fraction = header.getInt(4) & 0xffff_ffffL;
        final int captured = header.getInt(8);
        if (captured < 0 || captured > MAX_RECORD_LENGTH)
        {
            throw new IOException(path + ": corrupt pcap record length " + Integer.toUnsignedString(captured));
        }
        timestampNanos = seconds * 1_000_000_000L + (nanoseconds ? fraction : fraction * 1000);
        if (record.length < captured)
        {
            record = new byte[captured];
        }
        if (!readFully(record, captured))
        {
            throw new EOFException(path + ": truncated pcap record");
        }
        final int copied = Math.min(captured, maxLength);
        MemorySegment.copy(record, 0, dst, ValueLayout.JAVA_BYTE, dstOffset, copied);
        return copied;
    }

    /** Capture time of the frame the last {@link #next} returned. */
    public long timestampNanos()
    {
        return timestampNanos;
    }

    @Override
    public void close() throws IOException
    {
        in.close();
    }

    private boolean readFully(final byte[] bytes, final int length) throws IOException
    {
        return readFully(bytes, 0, length);
    }

    private boolean readFully(final byte[] bytes, final int offset, final int length) throws IOException
    {
        return in.readNBytes(bytes, offset, length) == length;
    }
}
