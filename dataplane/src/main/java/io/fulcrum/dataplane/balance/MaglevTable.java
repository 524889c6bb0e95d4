package io.fulcrum.dataplane.balance;

import java.util.Arrays;

/**
 * A Maglev lookup table (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load Balancer", NSDI 2016,
 * section 3.4, Pseudocode 1): {@code size} slots, a prime, each holding a backend id; a flow goes to
 * {@code table[hash mod size]}. Every backend has a preference list, the permutation
 * {@code (offset + j * skip) mod size} with {@code offset = h1(key) mod size} and
 * {@code skip = h2(key) mod (size - 1) + 1}; backends take turns claiming their next preferred free slot until the
 * table is full. This gives each backend an (almost) equal share and, when one backend goes, moves few slots of the
 * others.
 *
 * <p>Weights: in each round a backend earns {@code weight} credits and claims one slot per {@code maxWeight} credits
 * it holds, so after {@code r} rounds it has claimed {@code floor(r * weight / maxWeight)} slots and its share is its
 * weighted share to within a slot per round's remainder. With equal weights this is exactly the paper's round-robin.
 * Backends of weight 0 claim nothing.
 *
 * <p>Deterministic: backends take turns in order of (key, id), not in the caller's order, and the hashes of the keys
 * have no seed, so the same set of backends gives the same table on both appliances of a pair.
 *
 * <p>Immutable once built; {@link #pick} is a multiply, a shift and an array load.
 */
public final class MaglevTable
{
    public static final int DEFAULT_SIZE = 65_537;
    public static final int NO_BACKEND = -1;

    private final int[] slots;

    private MaglevTable(final int[] slots)
    {
        this.slots = slots;
    }

    /**
     * @param backendIds  the ids {@link #pick} returns, non-negative and distinct
     * @param backendKeys a stable identity per backend (a hash of its address), the same on every machine
     * @param weights     relative shares, non-negative; 0 takes no slots
     * @param size        the number of slots, a prime ({@link #DEFAULT_SIZE} unless the service says otherwise); it
     *                    should be well above the number of backends (the paper uses M much greater than N)
     */
    public static MaglevTable build(final int[] backendIds, final long[] backendKeys, final int[] weights, final int size)
    {
        if (backendIds.length != backendKeys.length || backendIds.length != weights.length)
        {
            throw new IllegalArgumentException("backendIds, backendKeys and weights differ in length: " +
                backendIds.length + ", " + backendKeys.length + ", " + weights.length);
        }
        if (!Primes.isPrime(size))
        {
            throw new IllegalArgumentException("Maglev table size must be prime: " + size);
        }
        int count = 0;
        int maxWeight = 0;
        for (int i = 0; i < backendIds.length; i++)
        {
            if (backendIds[i] < 0)
            {
                throw new IllegalArgumentException("backend id must not be negative: " + backendIds[i]);
            }
            if (weights[i] < 0)
            {
                throw new IllegalArgumentException("backend " + backendIds[i] + ": weight must not be negative: " + weights[i]);
            }
            for (int j = 0; j < i; j++)
            {
                if (backendIds[j] == backendIds[i])
                {
                    throw new IllegalArgumentException("duplicate backend id: " + backendIds[i]);
                }
            }
            if (weights[i] > 0)
            {
                count++;
                maxWeight = Math.max(maxWeight, weights[i]);
            }
        }

        final int[] slots = new int[size];
        Arrays.fill(slots, NO_BACKEND);
        if (count == 0)
        {
            return new MaglevTable(slots);
        }

        final int[] order = new int[count];
        int n = 0;
        for (int i = 0; i < backendIds.length; i++)
        {
            if (weights[i] > 0)
            {
                order[n++] = i;
            }
        }
        sortByKeyThenId(order, backendKeys, backendIds);

        final int[] ids = new int[count];
        final int[] weight = new int[count];
        final int[] skip = new int[count];
        final int[] next = new int[count]; // the next slot in this backend's permutation, computed on the fly
        final long[] credit = new long[count];
        for (int i = 0; i < count; i++)
        {
            final int b = order[i];
            ids[i] = backendIds[b];
            weight[i] = weights[b];
            next[i] = (int)Long.remainderUnsigned(h1(backendKeys[b]), size);
            skip[i] = (int)Long.remainderUnsigned(h2(backendKeys[b]), size - 1) + 1;
        }

        int filled = 0;
        while (true)
        {
            for (int i = 0; i < count; i++)
            {
                credit[i] += weight[i];
                while (credit[i] >= maxWeight)
                {
                    credit[i] -= maxWeight;
                    // skip is in 1..size-1 and size is prime, so the walk visits every slot: a free one is found.
                    int c = next[i];
                    final int step = skip[i];
                    while (slots[c] >= 0)
                    {
                        c += step;
                        if (c >= size)
                        {
                            c -= size;
                        }
                    }
                    slots[c] = ids[i];
                    c += step;
                    if (c >= size)
                    {
                        c -= size;
                    }
                    next[i] = c;
                    if (++filled == size)
                    {
                        return new MaglevTable(slots);
                    }
                }
            }
        }
    }

    /**
     * The backend for a flow, {@link #NO_BACKEND} when the table has none. The slot is {@code floor(hi32 * size / 2^32)}
     * of the hash's high 32 bits (Lemire's multiply-shift range reduction, a multiply instead of a division; the
     * connection table indexes with the low bits).
     */
    public int pick(final long flowHash)
    {
        return slots[(int)(((flowHash >>> 32) * slots.length) >>> 32)];
    }

    /** The backend id in a slot, {@link #NO_BACKEND} if none; for tests and diagnostics. */
    public int backendAt(final int slot)
    {
        return slots[slot];
    }

    public int size()
    {
        return slots.length;
    }

    /** How many slots a backend holds; counts the whole table, for tests and diagnostics. */
    public int slotsOf(final int backendId)
    {
        int count = 0;
        for (final int slot : slots)
        {
            if (slot == backendId)
            {
                count++;
            }
        }
        return count;
    }

    // Two independent seedless hashes of the backend key: the splitmix64 finalizer (Steele, Lea, Flood 2014) of the
    // key offset by two different odd constants.
    private static long h1(final long key)
    {
        return mix(key + 0x9E3779B97F4A7C15L);
    }

    private static long h2(final long key)
    {
        return mix(key + 0xD1B54A32D192ED03L);
    }

    private static long mix(final long value)
    {
        long z = value;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    // Insertion sort: build-time only, and a few thousand backends at most.
    private static void sortByKeyThenId(final int[] order, final long[] keys, final int[] ids)
    {
        for (int i = 1; i < order.length; i++)
        {
            final int value = order[i];
            int j = i - 1;
            while (j >= 0 && after(order[j], value, keys, ids))
            {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = value;
        }
    }

    private static boolean after(final int a, final int b, final long[] keys, final int[] ids)
    {
        final int byKey = Long.compareUnsigned(keys[a], keys[b]);
        return byKey > 0 || (byKey == 0 && ids[a] > ids[b]);
    }
}
