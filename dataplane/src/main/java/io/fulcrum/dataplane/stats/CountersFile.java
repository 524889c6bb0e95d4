package io.fulcrum.dataplane.stats;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.errors.DistinctErrorLog;
import org.agrona.concurrent.errors.ErrorConsumer;
import org.agrona.concurrent.errors.ErrorLogReader;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * The counters file: Agrona counters (metadata and values) in one memory-mapped file, as Aeron's CnC file holds
 * them, so that {@code fulcrum stat} reads the live values from another process without touching the workers.
 *
 * <pre>
 *   0  magic "FULCRUMC" (long)   8  layout version (int)   12 max counters (int)
 *  16  pid of the writer (long) 24  start time, epoch ms (long)
 *  4096 metadata: max counters x 512 bytes     then values: max counters x 128 bytes
 *        then the error log: 64 KiB of Agrona's DistinctErrorLog (each distinct error once, with a count)
 * </pre>
 */
public final class CountersFile implements AutoCloseable
{
    public static final long MAGIC = 0x46554c4352554d43L; // "FULCRUMC"
    public static final int VERSION = 2;
    /** Room for the distinct errors of the workers and the sync agent (Aeron's driver keeps 1 MiB for more agents). */
    public static final int ERROR_LOG_LENGTH = 64 * 1024;
    public static final int HEADER_LENGTH = 4096;
    public static final Path DEFAULT_PATH = Path.of("/dev/shm/fulcrum-counters");

    private static final int MAGIC_OFFSET = 0;
    private static final int VERSION_OFFSET = 8;
    private static final int MAX_COUNTERS_OFFSET = 12;
    private static final int PID_OFFSET = 16;
    private static final int START_TIME_OFFSET = 24;

    private final UnsafeBuffer header;
    private final UnsafeBuffer metadata;
    private final UnsafeBuffer values;
    private final UnsafeBuffer errors;
    private final ByteBuffer mapped;

    private CountersFile(final ByteBuffer mapped, final int maxCounters)
    {
        this.mapped = mapped;
        final int metadataLength = maxCounters * CountersReader.METADATA_LENGTH;
        final int valuesLength = maxCounters * CountersReader.COUNTER_LENGTH;
        header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
        metadata = new UnsafeBuffer(mapped, HEADER_LENGTH, metadataLength);
        values = new UnsafeBuffer(mapped, HEADER_LENGTH + metadataLength, valuesLength);
        errors = new UnsafeBuffer(mapped, HEADER_LENGTH + metadataLength + valuesLength, ERROR_LOG_LENGTH);
    }

    private static int fileLength(final int maxCounters)
    {
        return HEADER_LENGTH + maxCounters * (CountersReader.METADATA_LENGTH + CountersReader.COUNTER_LENGTH)
            + ERROR_LOG_LENGTH;
    }

    /** Creates (or replaces) the file at {@code path} for a writer with room for {@code maxCounters} counters. */
    public static CountersFile create(final Path path, final int maxCounters)
    {
        final int length = fileLength(maxCounters);
        try
        {
            final Path parent = path.toAbsolutePath().getParent();
            if (parent != null)
            {
                Files.createDirectories(parent);
            }
            Files.deleteIfExists(path); // a reader still mapping the old file keeps its old view
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE))
            {
                final MappedByteBuffer buffer = channel.map(FileChannel.MapMode.READ_WRITE, 0, length);
                final CountersFile file = new CountersFile(buffer, maxCounters);
                file.header.putLong(PID_OFFSET, ProcessHandle.current().pid());
                file.header.putLong(START_TIME_OFFSET, System.currentTimeMillis());
                file.header.putInt(MAX_COUNTERS_OFFSET, maxCounters);
                file.header.putInt(VERSION_OFFSET, VERSION);
                file.header.putLongRelease(MAGIC_OFFSET, MAGIC); // last: a reader that sees the magic sees the rest
                return file;
            }
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot create counters file " + path + ": " + e.getMessage(), e);
        }
    }

    /** Counters that live only in this process's memory (replay, tests): the same layout, no file. */
    public static CountersFile inMemory(final int maxCounters)
    {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(fileLength(maxCounters)).order(ByteOrder.nativeOrder());
        final CountersFile file = new CountersFile(buffer, maxCounters);
        file.header.putInt(MAX_COUNTERS_OFFSET, maxCounters);
        file.header.putInt(VERSION_OFFSET, VERSION);
        file.header.putLong(MAGIC_OFFSET, MAGIC);
        return file;
    }

    /** Maps an existing counters file read-only, refusing one that is not Fulcrum's or of another layout. */
    public static CountersFile openReadOnly(final Path path) throws IOException
    {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ))
        {
            final long size = channel.size();
            if (size < HEADER_LENGTH)
            {
                throw new IOException(path + " is not a Fulcrum counters file (too short: " + size + " bytes)");
            }
            final MappedByteBuffer buffer = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
            final UnsafeBuffer head = new UnsafeBuffer(buffer, 0, HEADER_LENGTH);
            if (head.getLongVolatile(MAGIC_OFFSET) != MAGIC)
            {
                throw new IOException(path + " is not a Fulcrum counters file (bad magic)");
            }
            if (head.getInt(VERSION_OFFSET) != VERSION)
            {
                throw new IOException(path + " has counters layout version " + head.getInt(VERSION_OFFSET)
                    + ", this tool reads version " + VERSION);
            }
            final int maxCounters = head.getInt(MAX_COUNTERS_OFFSET);
            if (maxCounters <= 0 || fileLength(maxCounters) > size)
            {
                throw new IOException(path + " is truncated or corrupt (max counters " + maxCounters + ")");
            }
            return new CountersFile(buffer, maxCounters);
        }
    }

    /** The writer's view: allocation and values. Allocate only from the control thread. */
    public CountersManager manager()
    {
        return new CountersManager(metadata, values);
    }

    /** A reader's view, safe from any thread or process. */
    public CountersReader reader()
    {
        return new CountersReader(metadata, values);
    }

    /** The writer's error log: records each distinct error once, then counts its repeats; safe from any thread. */
    public DistinctErrorLog errorLog(final EpochClock clock)
    {
        return new DistinctErrorLog(errors, clock);
    }

    /** Reads the distinct errors recorded so far (from another process too); returns how many there are. */
    public int readErrors(final ErrorConsumer consumer)
    {
        return ErrorLogReader.read(errors, consumer);
    }

    public long writerPid()
    {
        return header.getLong(PID_OFFSET);
    }

    public long startTimeMillis()
    {
        return header.getLong(START_TIME_OFFSET);
    }

    /** True while the process that writes this file is alive. */
    public boolean writerAlive()
    {
        return ProcessHandle.of(writerPid()).map(ProcessHandle::isAlive).orElse(false);
    }

    @Override
    public void close()
    {
        // Mapped memory is released when the buffer is collected; nothing else to free.
    }

    ByteBuffer mapped()
    {
        return mapped;
    }
}
