package io.fulcrum.dataplane.flow;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * How many entries one worker's {@link ConnectionTable} holds for each backend id: its established flows per
 * backend, which {@code least-connections} reads across all workers ({@link EstablishedFlows}).
 *
 * <p>One writer, the table's worker; any thread may read. Writes are release stores and reads acquire loads (plain
 * moves on x86), so a reader sees each count whole and no older than the writer's previous store. The counts sit
 * between a cache line of padding on either side, so two workers' counts never share a line.
 *
 * <p>Backend ids are never reused and only grow: the counts grow with them, on the writer's thread, the first time
 * an id beyond the array is counted (a new backend, not a packet). A reader holding the old array sees counts a
 * moment stale; none is lost, since the writer copies them over before it publishes the new array.
 */
public final class BackendFlowCounts
{
    /** Ints of padding before and after the counts: one 64-byte cache line each. */
    private static final int PAD = 16;
    private static final int INITIAL_BACKENDS = 64;
    /**
     * Ids from 0 to this are counted; a larger (or negative) one, which only a damaged table file could hold, is
     * not, in both directions alike, rather than allocate for it.
     */
    static final int MAX_BACKEND_ID = (1 << 24) - 1;
    private static final VarHandle COUNT = MethodHandles.arrayElementVarHandle(int[].class);

    private volatile int[] counts = new int[INITIAL_BACKENDS + 2 * PAD];

    /** One more entry for {@code backendId} (writer only). */
    void increment(final int backendId)
    {
        if (backendId < 0 || backendId > MAX_BACKEND_ID)
        {
            return;
        }
        int[] array = counts;
        final int index = backendId + PAD;
        if (index >= array.length - PAD)
        {
            array = grow(backendId);
        }
        COUNT.setRelease(array, index, (int)COUNT.get(array, index) + 1);
    }

    /** One entry fewer for {@code backendId}, which {@link #increment} counted before (writer only). */
    void decrement(final int backendId)
    {
        if (backendId < 0 || backendId > MAX_BACKEND_ID)
        {
            return;
        }
        final int[] array = counts;
        final int index = backendId + PAD;
        COUNT.setRelease(array, index, (int)COUNT.get(array, index) - 1);
    }

    /** Every count back to 0 (writer only; the table was emptied). */
    void clear()
    {
        final int[] array = counts;
        for (int i = PAD; i < array.length - PAD; i++)
        {
            COUNT.setRelease(array, i, 0);
        }
    }

    /** The entries this worker holds for {@code backendId}, 0 for an id it never counted (any thread). */
    public int get(final int backendId)
    {
        final int[] array = counts;
        final int index = backendId + PAD;
        return backendId < 0 || index >= array.length - PAD ? 0 : (int)COUNT.getAcquire(array, index);
    }

    private int[] grow(final int backendId)
    {
        final int[] old = counts;
        final int backends = Math.max(2 * (old.length - 2 * PAD), backendId + 1);
        final int[] grown = new int[backends + 2 * PAD];
        for (int i = PAD; i < old.length - PAD; i++)
        {
            grown[i] = (int)COUNT.getAcquire(old, i);
        }
        counts = grown;
        return grown;
    }
}
