package io.fulcrum.controlplane.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Hands out data-plane backend ids, one per (pool name, address), and keeps them for the life of the daemon: the
 * connection table stores a flow's backend by id, so a reload that renumbered backends would send established flows
 * to the wrong server. Ids are never reused, for the same reason: a flow may still hold the id of a removed backend.
 *
 * <p>Ids start at 0 and follow first sight: on the first load, pools and their backends in file order. Thread-safe,
 * so a reload may run on another thread than the one that loaded first.
 *
 * <p>When the connection table outlives the process, so must the ids its entries hold: {@link #load} reads the
 * directory written beside the table by the previous run and keeps it current, rewriting the file (to a temporary
 * name, then renamed over it, so a reader never sees half a file) every time an id is handed out. The file is text,
 * a header line and then one line per id: {@code ID TAB POOL TAB ADDRESS}.
 */
public final class BackendIds
{
    static final String HEADER = "# fulcrum backend ids v1";

    private final Map<Key, Integer> ids = new HashMap<>();
    private final Path file;
    private final boolean restored;
    private int next;

    /** Ids for this process only. */
    public BackendIds()
    {
        this(null, false);
    }

    private BackendIds(final Path file, final boolean restored)
    {
        this.file = file;
        this.restored = restored;
    }

    /**
     * The ids in {@code file} (an empty directory when there is no file), kept in that file from now on.
     *
     * @throws IllegalArgumentException with the line and why, when the file is not a directory this code wrote
     */
    public static BackendIds load(final Path file)
    {
        final List<String> lines;
        try
        {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        }
        catch (final NoSuchFileException e)
        {
            return new BackendIds(file, false);
        }
        catch (final IOException e)
        {
            throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (lines.isEmpty() || !lines.getFirst().equals(HEADER))
        {
            throw new IllegalArgumentException(file + ":1: expected '" + HEADER + "'");
        }
        final BackendIds loaded = new BackendIds(file, true);
        for (int i = 1; i < lines.size(); i++)
        {
            final String[] fields = lines.get(i).split("\t", -1);
            try
            {
                if (fields.length != 3)
                {
                    throw new IllegalArgumentException("expected ID, pool and address separated by tabs");
                }
                final int id = Integer.parseInt(fields[0]);
                final Key key = new Key(fields[1], IpLiterals.parse(fields[2]));
                if (id < 0 || id == Integer.MAX_VALUE || loaded.ids.containsKey(key) || loaded.ids.containsValue(id))
                {
                    throw new IllegalArgumentException("id " + id + " or backend given twice, or out of range");
                }
                loaded.ids.put(key, id);
                loaded.next = Math.max(loaded.next, id + 1);
            }
            catch (final IllegalArgumentException e) // NumberFormatException too
            {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return loaded;
    }

    /** True when {@link #load} found the previous run's directory. */
    public boolean restored()
    {
        return restored;
    }

    /** How many backends have an id. */
    public synchronized int size()
    {
        return ids.size();
    }

    /** The id of this backend of this pool, the same one on every call. */
    public synchronized int idOf(final String pool, final InetAddress address)
    {
        final Key key = new Key(Objects.requireNonNull(pool, "pool"), Objects.requireNonNull(address, "address"));
        final Integer known = ids.get(key);
        if (known != null)
        {
            return known;
        }
        if (next == Integer.MAX_VALUE)
        {
            throw new IllegalStateException("backend ids exhausted"); // 2^31 reloads' worth of new backends
        }
        final int id = next++;
        ids.put(key, id);
        if (file != null)
        {
            write();
        }
        return id;
    }

    /** How many ids were handed out: one more than the largest, sizes arrays indexed by backend id. */
    public synchronized int issued()
    {
        return next;
    }

    /** The whole directory to a temporary file, renamed over the old one: a crash leaves the old or the new. */
    private void write()
    {
        final StringBuilder text = new StringBuilder(HEADER).append('\n');
        final Map<Integer, Key> byId = new TreeMap<>();
        ids.forEach((key, id) -> byId.put(id, key));
        byId.forEach((id, key) -> text.append(id).append('\t').append(key.pool()).append('\t')
            .append(IpLiterals.format(key.address())).append('\n'));
        final Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try
        {
            Files.writeString(temporary, text, StandardCharsets.UTF_8);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot write backend ids to " + file + ": " + e.getMessage(), e);
        }
    }

    private record Key(String pool, InetAddress address)
    {
    }
}
