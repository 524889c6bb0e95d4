package io.fulcrum.dataplane.flow;

import java.util.Arrays;

/**
 * Established flows per backend over every worker: the sum of each worker's {@link BackendFlowCounts}, which is
 * what {@code least-connections} compares. Summing on read keeps the per-packet path free of shared writes: each
 * worker only ever stores into its own counts, and a pick for a new flow reads one count per worker.
 *
 * <p>Workers are added before they start ({@link #add}, the control thread); {@link #of} may be called from any
 * thread and allocates nothing.
 */
public final class EstablishedFlows
{
    private volatile BackendFlowCounts[] workers = new BackendFlowCounts[0];

    /** Counts {@code counts} (a worker's connection table's) in from now on. */
    public synchronized void add(final BackendFlowCounts counts)
    {
        final BackendFlowCounts[] grown = Arrays.copyOf(workers, workers.length + 1);
        grown[grown.length - 1] = counts;
        workers = grown;
    }

    /** The flows all workers hold for {@code backendId}. */
    public long of(final int backendId)
    {
        long total = 0;
        for (final BackendFlowCounts counts : workers)
        {
            total += counts.get(backendId);
        }
        return total;
    }
}
