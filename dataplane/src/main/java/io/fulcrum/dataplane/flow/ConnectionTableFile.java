package io.fulcrum.dataplane.flow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * One worker's connection table in a memory-mapped file, so that the table outlives the process (a restart, an
 * upgrade, kill -9) and the next {@code fulcrum run} continues every established flow on its backend. The file is a
 * header page followed by the slots, exactly as {@link ConnectionTable} lays them out:
 * <pre>
 * offset size field
 *  0      8   magic "FULCRUMT"
 *  8      4   layout version ({@link ConnectionTable#LAYOUT_VERSION})
 * 12      4   slot size (64)
 * 16      8   CRC-32C of {@link ConnectionTable#LAYOUT_DESCRIPTION}: a build that moves a field refuses the file
 * 24      4   capacity (slots, a power of two)
 * 28      4   worker index
 * 32      4   CRC-32C of bytes 0 to 31
 * 36      4   state: 1 in use, 2 closed cleanly
 * 40      8   pid of the last writer
 * 48      8   time the file was created, epoch ms
 * 4096        capacity x 64 bytes of slots
 * </pre>
 * A file that fails any check is never mapped as a table: {@link #validate} says why, and the caller sets it aside.
 */
public final class ConnectionTableFile
{
    public static final long MAGIC = 0x544d5552434c5546L; // "FULCRUMT" in little-endian byte order
    public static final int HEADER_LENGTH = 4096;
    public static final long LAYOUT_CHECKSUM;

    static final int STATE_IN_USE = 1;
    static final int STATE_CLOSED = 2;

    private static final long MAGIC_OFFSET = 0;
    private static final long VERSION_OFFSET = 8;
    private static final long SLOT_SIZE_OFFSET = 12;
    private static final long LAYOUT_OFFSET = 16;
    private static final long CAPACITY_OFFSET = 24;
    private static final long WORKER_OFFSET = 28;
    private static final long HEADER_CHECKSUM_OFFSET = 32;
    private static final long STATE_OFFSET = 36;
    private static final long PID_OFFSET = 40;
    private static final long CREATED_OFFSET = 48;
    private static final int CHECKED_LENGTH = 32;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static
    {
        final CRC32C crc = new CRC32C();
        crc.update(ConnectionTable.LAYOUT_DESCRIPTION.getBytes(StandardCharsets.US_ASCII));
        LAYOUT_CHECKSUM = crc.getValue();
    }

    private ConnectionTableFile()
    {
    }

    /** Bytes of a file holding {@code capacity} slots. */
    public static long length(final int capacity)
    {
        return HEADER_LENGTH + (long)capacity * ConnectionTable.SLOT_SIZE;
    }

    /** What a valid file's header says, read without mapping the file. */
    public record Header(int capacity, int worker, boolean closedCleanly, long pid)
    {
    }

    /**
     * Reads and checks the header of {@code file} as the table of {@code worker}; throws {@link InvalidFile} with
     * the reason (truncated, foreign, corrupt header, other layout, other worker) when the file must not be trusted.
     */
    public static Header validate(final Path file, final int worker) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            final long size = channel.size();
            if (size < HEADER_LENGTH)
            {
                throw new InvalidFile("truncated: " + size + " bytes, shorter than the " + HEADER_LENGTH +
                    "-byte header");
            }
            final ByteBuffer buffer = ByteBuffer.allocate(HEADER_LENGTH);
            while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) > 0)
            {
                // read the whole header page
            }
            final MemorySegment header = MemorySegment.ofArray(buffer.array());
            if (header.get(LONG, MAGIC_OFFSET) != MAGIC)
            {
                throw new InvalidFile("not a Fulcrum connection table (magic " +
                    Long.toHexString(header.get(LONG, MAGIC_OFFSET)) + ")");
            }
            if (header.get(INT, HEADER_CHECKSUM_OFFSET) != headerChecksum(header))
            {
                throw new InvalidFile("header checksum mismatch (corrupt header)");
            }
            final int version = header.get(INT, VERSION_OFFSET);
            if (version != ConnectionTable.LAYOUT_VERSION)
            {
                throw new InvalidFile("layout version " + version + ", this build reads version " +
                    ConnectionTable.LAYOUT_VERSION);
            }
            if (header.get(INT, SLOT_SIZE_OFFSET) != ConnectionTable.SLOT_SIZE ||
                header.get(LONG, LAYOUT_OFFSET) != LAYOUT_CHECKSUM)
            {
                throw new InvalidFile("slot layout differs from this build's (layout checksum " +
                    Long.toHexString(header.get(LONG, LAYOUT_OFFSET)) + ", expected " +
                    Long.toHexString(LAYOUT_CHECKSUM) + ")");
            }
            final int capacity = header.get(INT, CAPACITY_OFFSET);
            if (capacity < ConnectionTable.WINDOW || capacity > ConnectionTable.MAX_CAPACITY ||
                Integer.bitCount(capacity) != 1)
            {
                throw new InvalidFile("capacity " + capacity + " is not a power of two in " +
                    ConnectionTable.WINDOW + ".." + ConnectionTable.MAX_CAPACITY);
            }
            final int owner = header.get(INT, WORKER_OFFSET);
            if (owner != worker)
            {
                throw new InvalidFile("holds worker " + owner + "'s table, not worker " + worker + "'s");
            }
            if (size != length(capacity))
            {
                throw new InvalidFile("truncated: " + size + " bytes, expected " + length(capacity) + " for " +
                    capacity + " slots");
            }
            return new Header(capacity, owner, header.get(INT, STATE_OFFSET) == STATE_CLOSED,
                header.get(LONG, PID_OFFSET));
        }
    }

    /** Creates a fresh, empty table file (replacing whatever is at {@code file}) and maps it. */
    public static ConnectionTable create(final Path file, final int worker, final int capacity,
        final Timeouts timeouts)
    {
        try
        {
            final Path temporary = file.resolveSibling(file.getFileName() + ".new");
            Files.deleteIfExists(temporary);
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE))
            {
                channel.truncate(length(capacity)); // sparse: tmpfs allocates pages as slots are written
                final MemorySegment header = MemorySegment.ofArray(new byte[HEADER_LENGTH]);
                header.set(LONG, MAGIC_OFFSET, MAGIC);
                header.set(INT, VERSION_OFFSET, ConnectionTable.LAYOUT_VERSION);
                header.set(INT, SLOT_SIZE_OFFSET, ConnectionTable.SLOT_SIZE);
                header.set(LONG, LAYOUT_OFFSET, LAYOUT_CHECKSUM);
                header.set(INT, CAPACITY_OFFSET, capacity);
                header.set(INT, WORKER_OFFSET, worker);
                header.set(INT, HEADER_CHECKSUM_OFFSET, headerChecksum(header));
                header.set(INT, STATE_OFFSET, STATE_CLOSED);
                header.set(LONG, CREATED_OFFSET, System.currentTimeMillis());
                final ByteBuffer buffer = header.asByteBuffer();
                while (buffer.hasRemaining())
                {
                    channel.write(buffer, buffer.position());
                }
            }
            // Only a complete file takes the name: a crash while creating leaves the ".new" file, never a bad table.
            Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot create connection table " + file + ": " + e.getMessage(), e);
        }
        return map(file, capacity, timeouts);
    }

    /** Maps a file that {@link #validate} accepted and adopts its slots (see {@link ConnectionTable}'s constructor). */
    public static ConnectionTable map(final Path file, final int capacity, final Timeouts timeouts)
    {
        final Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final MemorySegment mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, length(capacity), arena);
            mapped.set(INT, STATE_OFFSET, STATE_IN_USE);
            mapped.set(LONG, PID_OFFSET, ProcessHandle.current().pid());
            final MemorySegment slots = mapped.asSlice(HEADER_LENGTH, (long)capacity * ConnectionTable.SLOT_SIZE);
            return new ConnectionTable(new Mapping(arena, mapped), slots, capacity, timeouts);
        }
        catch (final IOException e)
        {
            arena.close();
            throw new UncheckedIOException("cannot map connection table " + file + ": " + e.getMessage(), e);
        }
        catch (final RuntimeException e)
        {
            arena.close();
            throw e;
        }
    }

    private static int headerChecksum(final MemorySegment header)
    {
        final CRC32C crc = new CRC32C();
        crc.update(header.asSlice(0, CHECKED_LENGTH).asByteBuffer());
        return (int)crc.getValue();
    }

    /** Why a file is not a table this process may trust. */
    public static final class InvalidFile extends IOException
    {
        private static final long serialVersionUID = 1L;

        public InvalidFile(final String reason)
        {
            super(reason);
        }
    }

    /**
     * Closing the table marks the header closed cleanly and writes the pages back (a no-op on tmpfs, needed for a
     * file on disk), then unmaps.
     */
    private record Mapping(Arena arena, MemorySegment mapped) implements AutoCloseable
    {
        @Override
        public void close()
        {
            mapped.set(INT, STATE_OFFSET, STATE_CLOSED);
            mapped.force();
            arena.close();
        }
    }
}
