package io.fulcrum.controlplane.config;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Hands out data-plane backend ids, one per (pool name, address), and keeps them for the life of the daemon: the
 * connection table stores a flow's backend by id, so a reload that renumbered backends would send established flows
 * to the wrong server. Ids are never reused, for the same reason: a flow may still hold the id of a removed backend.
 *
 * <p>Ids start at 0 and follow first sight: on the first load, pools and their backends in file order. Thread-safe,
 * so a reload may run on another thread than the one that loaded first.
 */
public final class BackendIds
{
    private final Map<Key, Integer> ids = new HashMap<>();
    private int next;

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
        return id;
    }

    /** How many ids were handed out: one more than the largest, sizes arrays indexed by backend id. */
    public synchronized int issued()
    {
        return next;
    }

    private record Key(String pool, InetAddress address)
    {
    }
}
