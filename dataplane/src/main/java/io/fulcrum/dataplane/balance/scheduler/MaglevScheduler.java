package io.fulcrum.dataplane.balance.scheduler;

import io.fulcrum.dataplane.balance.Backend;
import io.fulcrum.dataplane.balance.ForwardingTable;
import io.fulcrum.dataplane.balance.MaglevTable;

import java.util.List;

/**
 * {@code maglev}: the backend in the {@link MaglevTable} slot of the flow's 5-tuple hash, as the DSR data plane picks
 * it. The table is built exactly as {@link ForwardingTable} builds its own (backend ids, the same address-derived key,
 * weights), so both appliances of a pair, and both halves of one, agree on where a flow goes; a backend that leaves
 * moves only its own flows.
 *
 * <p>Immutable once built: {@link #pick} is the table lookup and an array load.
 */
public final class MaglevScheduler implements Scheduler
{
    private final MaglevTable table;
    private final Candidate[] byId;

    /**
     * @param candidates with distinct backend ids; only those that {@link Candidate#takesNewWork()} get slots
     * @param tableSize  a prime, well above the number of backends ({@link MaglevTable#DEFAULT_SIZE})
     */
    public MaglevScheduler(final List<Candidate> candidates, final int tableSize)
    {
        final Candidate[] eligible = Candidate.takingNewWork(candidates);
        final int[] ids = new int[eligible.length];
        final long[] keys = new long[eligible.length];
        final int[] weights = new int[eligible.length];
        int maxId = -1;
        for (int i = 0; i < eligible.length; i++)
        {
            final Backend backend = eligible[i].backend();
            ids[i] = backend.id();
            keys[i] = ForwardingTable.backendKey(backend);
            weights[i] = backend.weight();
            maxId = Math.max(maxId, backend.id());
        }
        table = MaglevTable.build(ids, keys, weights, tableSize);
        byId = new Candidate[maxId + 1];
        for (final Candidate candidate : eligible)
        {
            byId[candidate.backend().id()] = candidate;
        }
    }

    @Override
    public Candidate pick(final long flowHash, final long clientHash)
    {
        final int id = table.pick(flowHash);
        return id == MaglevTable.NO_BACKEND ? null : byId[id];
    }

    /** For tests and diagnostics. */
    public MaglevTable table()
    {
        return table;
    }
}
