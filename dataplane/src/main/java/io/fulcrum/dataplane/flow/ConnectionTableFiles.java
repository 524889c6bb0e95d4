package io.fulcrum.dataplane.flow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.agrona.CloseHelper;

/**
 * The connection tables of all workers of one data plane, each in its own file beside the others ({@code NAME.0},
 * {@code NAME.1}, ... for a configured {@code NAME}), with {@code NAME.lock} held while the data plane runs so that a
 * second one refuses to share them, and {@code NAME.backend-ids} for the control plane's backend id directory (the
 * tables store backend ids, which mean nothing without it).
 *
 * <p>At start each worker takes its file back when it is valid and of the configured capacity ({@link #table}); a
 * file that fails validation is set aside as {@code NAME.N.corrupt-TIME}, never trusted, and the worker starts empty.
 * Once all workers exist, {@link #restore} re-homes what could not be taken back as it was: tables of another
 * capacity go to the same worker's new table, and when the number of workers changed every old entry goes to every
 * new table, because which worker the kernel hands a flow to (AF_PACKET fanout, RSS queues) depends on that number.
 */
public final class ConnectionTableFiles implements AutoCloseable
{
    /** Where the lines an operator should read go (the daemon's event log). */
    @FunctionalInterface
    public interface Log
    {
        void event(String type, String message);
    }

    private static final DateTimeFormatter SET_ASIDE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final Path base;
    private final int capacity;
    private final Timeouts timeouts;
    private final Log log;
    private final FileChannel lockChannel;
    private final FileLock lock;
    /** Table files present at open, by worker index, not yet taken by {@link #table}. */
    private final TreeMap<Integer, Path> found = new TreeMap<>();
    private final int workersBefore;
    /** Old tables to re-home into the new ones, by the worker index they belonged to. */
    private final Map<Integer, ConnectionTable> previous = new TreeMap<>();
    /** Tables taken back as they were, by worker index. */
    private final Map<Integer, ConnectionTable> adopted = new TreeMap<>();
    private String distrusted;

    private ConnectionTableFiles(final Path base, final int capacity, final Timeouts timeouts, final Log log,
        final FileChannel lockChannel, final FileLock lock)
    {
        this.base = base;
        this.capacity = capacity;
        this.timeouts = timeouts;
        this.log = log;
        this.lockChannel = lockChannel;
        this.lock = lock;
        final Pattern tableName = Pattern.compile(Pattern.quote(base.getFileName().toString()) + "\\.(\\d{1,4})");
        try (Stream<Path> siblings = Files.list(base.toAbsolutePath().getParent()))
        {
            for (final Path sibling : siblings.toList())
            {
                final Matcher matcher = tableName.matcher(sibling.getFileName().toString());
                if (matcher.matches())
                {
                    found.put(Integer.parseInt(matcher.group(1)), sibling);
                }
            }
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot list " + base.toAbsolutePath().getParent() + ": " + e.getMessage(),
                e);
        }
        workersBefore = found.isEmpty() ? 0 : found.lastKey() + 1;
    }

    /**
     * Locks the tables at {@code base} for this process (creating the directory when missing); refuses when another
     * data plane holds them.
     *
     * @param capacity entries per worker, rounded up as {@link ConnectionTable} rounds it
     */
    public static ConnectionTableFiles open(final Path base, final int capacity, final Timeouts timeouts,
        final Log log)
    {
        final int slots = ConnectionTable.slotsFor(capacity);
        final Path lockFile = sibling(base, ".lock");
        FileChannel channel = null;
        try
        {
            Files.createDirectories(base.toAbsolutePath().getParent());
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
            FileLock lock;
            try
            {
                lock = channel.tryLock();
            }
            catch (final OverlappingFileLockException e)
            {
                lock = null; // held by this very process: another data plane in the same JVM
            }
            if (lock == null)
            {
                final String holder = Files.readString(lockFile, StandardCharsets.US_ASCII).trim();
                throw new IllegalStateException("connection table " + base + " is in use by another data plane (pid " +
                    (holder.isEmpty() ? "unknown" : holder) + ", lock " + lockFile + "): two data planes must not " +
                    "share one table; give each its own dataplane.connection-table.file");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)),
                0);
            return new ConnectionTableFiles(base, slots, timeouts, log, channel, lock);
        }
        catch (final IOException e)
        {
            CloseHelper.quietClose(channel);
            throw new UncheckedIOException("cannot lock connection table " + lockFile + ": " + e.getMessage(), e);
        }
        catch (final RuntimeException e)
        {
            CloseHelper.quietClose(channel);
            throw e;
        }
    }

    /** The file the control plane keeps its backend id directory in, beside the tables. */
    public Path backendIdsFile()
    {
        return sibling(base, ".backend-ids");
    }

    /** The file of one worker's table. */
    public Path fileOf(final int worker)
    {
        return sibling(base, "." + worker);
    }

    /** True when tables were left by an earlier run (before {@link #table} took any). */
    public boolean foundTables()
    {
        return workersBefore > 0;
    }

    /**
     * The tables left by the earlier run must not be used (say, their backend ids can no longer be resolved): every
     * worker starts empty. Call before {@link #table}.
     */
    public void distrust(final String reason)
    {
        if (!found.isEmpty())
        {
            log.event("connection-table-dropped", "connection tables " + base + ".* dropped: " + reason +
                "; established flows are balanced afresh");
        }
        distrusted = reason;
    }

    /** Worker {@code worker}'s table: the earlier run's, when it is valid, else a new empty one. */
    public ConnectionTable table(final int worker)
    {
        final Path file = fileOf(worker);
        final Path existing = found.remove(worker);
        if (existing != null)
        {
            final ConnectionTable old = previousTable(existing, worker);
            if (old != null)
            {
                if (old.capacity() == capacity)
                {
                    adopted.put(worker, old);
                    log.event("connection-table-restored", "worker " + worker + ": " + old.size() +
                        " flow(s) restored from " + file);
                    return old;
                }
                previous.put(worker, old);
                log.event("connection-table-resized", "worker " + worker + ": " + file + " holds " + old.capacity() +
                    " slots, the configuration " + capacity + ": its " + old.size() + " flow(s) are re-homed");
            }
        }
        return ConnectionTableFile.create(file, worker, capacity, timeouts);
    }

    /**
     * All workers have their tables ({@code tables}, by worker index): re-home the entries of old tables that were
     * not taken back as they were, and release them. Returns how many entries were copied.
     */
    public long restore(final List<ConnectionTable> tables)
    {
        for (final Map.Entry<Integer, Path> leftover : found.entrySet()) // workers beyond today's count
        {
            final ConnectionTable old = previousTable(leftover.getValue(), leftover.getKey());
            if (old != null)
            {
                previous.put(leftover.getKey(), old);
                delete(leftover.getValue()); // no worker of this run owns it; its entries are copied below
            }
        }
        found.clear();
        long copied = 0;
        try
        {
            if (workersBefore == tables.size() || workersBefore == 0)
            {
                for (final Map.Entry<Integer, ConnectionTable> old : previous.entrySet())
                {
                    copied += old.getValue().copyTo(tables.get(old.getKey()));
                }
            }
            else
            {
                final List<ConnectionTable> sources = new ArrayList<>(previous.values());
                sources.addAll(adopted.values());
                long entries = 0;
                for (final ConnectionTable source : sources)
                {
                    entries += source.size();
                    for (final ConnectionTable target : tables)
                    {
                        if (target != source)
                        {
                            copied += source.copyTo(target);
                        }
                    }
                }
                log.event("connection-table-rehomed", "workers changed from " + workersBefore + " to " +
                    tables.size() + ": each worker's table got all " + entries + " flow(s) of the earlier run, " +
                    "since the kernel spreads flows over the workers differently now");
            }
        }
        finally
        {
            CloseHelper.closeAll(previous.values());
            previous.clear();
        }
        return copied;
    }

    /** Releases the lock; the tables themselves are closed by their workers' owner. */
    @Override
    public void close()
    {
        CloseHelper.closeAll(previous.values());
        previous.clear();
        CloseHelper.quietClose(lock);
        CloseHelper.quietClose(lockChannel);
    }

    /** Maps an earlier run's file when it is valid, and takes it off its name; sets it aside when not. */
    private ConnectionTable previousTable(final Path file, final int worker)
    {
        if (distrusted != null)
        {
            delete(file);
            return null;
        }
        final ConnectionTableFile.Header header;
        try
        {
            header = ConnectionTableFile.validate(file, worker);
        }
        catch (final ConnectionTableFile.InvalidFile e)
        {
            setAside(file, worker, e.getMessage());
            return null;
        }
        catch (final IOException e)
        {
            setAside(file, worker, "unreadable: " + e.getMessage());
            return null;
        }
        final ConnectionTable table = ConnectionTableFile.map(file, header.capacity(), timeouts);
        if (!header.closedCleanly())
        {
            log.event("connection-table-unclean", "worker " + worker + ": " + file + " was left by a data plane " +
                "that did not stop (pid " + header.pid() + "; crash or kill -9): its entries are checked one by one");
        }
        if (header.capacity() != capacity)
        {
            delete(file); // the mapping stays readable until the table is closed; the name goes to the new table
        }
        return table;
    }

    private void setAside(final Path file, final int worker, final String reason)
    {
        final Path aside = file.resolveSibling(file.getFileName() + ".corrupt-" +
            SET_ASIDE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)));
        try
        {
            Files.move(file, aside, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        catch (final IOException e)
        {
            delete(file);
        }
        log.event("connection-table-set-aside", "connection table " + file + " set aside as " + aside + ", not " +
            "trusted: " + reason + "; worker " + worker + " starts with an empty table");
    }

    private static void delete(final Path file)
    {
        try
        {
            Files.deleteIfExists(file);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot remove " + file + ": " + e.getMessage(), e);
        }
    }

    private static Path sibling(final Path base, final String suffix)
    {
        return base.resolveSibling(base.getFileName() + suffix);
    }
}
