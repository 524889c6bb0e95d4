package io.fulcrum.dataplane.balance.scheduler;

import io.fulcrum.dataplane.balance.MaglevTable;

import java.util.List;

/**
 * {@code ip-hash}: session affinity by client address, consistent in Maglev's sense. The same table as
 * {@link MaglevScheduler}, looked up with the hash of the client's address alone, so every connection of a client
 * reaches one backend, and adding or removing one of N backends moves only about 1/N of the clients (nginx's
 * {@code hash $remote_addr consistent}, HAProxy's {@code balance source} with {@code hash-type consistent}).
 *
 * <p>The client hash must be well mixed in its high 32 bits: the table slot is taken from them.
 */
public final class IpHashScheduler implements Scheduler
{
    private final MaglevScheduler maglev;

    /**
     * @param candidates with distinct backend ids; only those that {@link Candidate#takesNewWork()} get slots
     * @param tableSize  a prime, well above the number of backends ({@link MaglevTable#DEFAULT_SIZE})
     */
    public IpHashScheduler(final List<Candidate> candidates, final int tableSize)
    {
        maglev = new MaglevScheduler(candidates, tableSize);
    }

    @Override
    public Candidate pick(final long flowHash, final long clientHash)
    {
        return maglev.pick(clientHash, clientHash);
    }
}
