package io.fulcrum.dataplane.balance;

import java.util.Arrays;

import io.fulcrum.dataplane.balance.scheduler.SchedulerKind;
import io.fulcrum.dataplane.flow.EstablishedFlows;

/**
 * One worker's picks for new flows of the services that are not {@code maglev} (the forwarder asks the
 * {@link ForwardingTable} directly for those, so the Maglev path stays as it was): {@code ip-hash},
 * {@code round-robin} and {@code least-connections}. Each reads the published table's candidates (active backends of
 * weight above 0, so drained and down backends never get a new flow) and this worker's own state, which no other
 * thread writes; nothing is shared or allocated per pick.
 *
 * <ul>
 * <li>{@code round-robin} walks the table's {@link RoundRobinSequence} with a cursor per service. Each worker keeps
 * the exact weighted shares of its own new flows; workers start at different points of the period so that their first
 * flows do not all land on one backend. A republished table keeps the cursor (reduced to the new period).</li>
 * <li>{@code least-connections} takes the candidate with the fewest established flows per weight, summed over every
 * worker's connection table ({@link EstablishedFlows}: flows a worker inserted, synced in from the peer or restored,
 * less those that expired, were evicted or moved). Among equals, the search starts after the one this worker chose
 * last, so an idle pool is taken in turn rather than all at the first backend.</li>
 * </ul>
 *
 * <p>Single-threaded: one per worker, used by its forwarder only.
 */
public final class FlowScheduler
{
    private static final int NOT_STARTED = -1;

    private final int workerId;
    private final EstablishedFlows established;
    /** By service id: the next position in the round-robin sequence, or {@link #NOT_STARTED}. */
    private int[] roundRobinNext = new int[0];
    /** By service id: where the least-connections scan starts (after the last chosen). */
    private int[] leastStart = new int[0];

    public FlowScheduler(final int workerId, final EstablishedFlows established)
    {
        this.workerId = workerId;
        this.established = established;
    }

    /**
     * The backend for a new flow of service {@code index} by its scheduler; -1 when none takes new flows.
     *
     * @param flowHash the 5-tuple's hash ({@code maglev}'s key, should the service be one)
     */
    public int pick(final ForwardingTable table, final int index, final long flowHash, final long clientHi,
        final long clientLo)
    {
        final SchedulerKind kind = table.scheduler(index);
        if (kind == SchedulerKind.IP_HASH)
        {
            return table.pickByClient(index, clientHi, clientLo);
        }
        if (kind == SchedulerKind.ROUND_ROBIN)
        {
            return roundRobin(table, index);
        }
        if (kind == SchedulerKind.LEAST_CONNECTIONS)
        {
            return leastConnections(table, index);
        }
        return table.pick(index, flowHash);
    }

    private int roundRobin(final ForwardingTable table, final int index)
    {
        final int[] sequence = table.roundRobin(index);
        final int length = sequence.length;
        if (length == 0)
        {
            return MaglevTable.NO_BACKEND;
        }
        final int service = table.serviceId(index);
        if (service >= roundRobinNext.length)
        {
            grow(service);
        }
        int position = roundRobinNext[service];
        if (position == NOT_STARTED)
        {
            // Worker w starts at fraction frac(w * golden ratio) of the period: 0 for the first worker.
            position = (int)((((workerId * 0x9E3779B97F4A7C15L) >>> 32) * length) >>> 32);
        }
        else if (position >= length)
        {
            position %= length; // the table was republished with a shorter period
        }
        roundRobinNext[service] = position + 1 == length ? 0 : position + 1;
        return sequence[position];
    }

    private int leastConnections(final ForwardingTable table, final int index)
    {
        final int[] ids = table.candidates(index);
        final int count = ids.length;
        if (count <= 1)
        {
            return count == 0 ? MaglevTable.NO_BACKEND : ids[0];
        }
        final int[] weights = table.candidateWeights(index);
        final int service = table.serviceId(index);
        if (service >= leastStart.length)
        {
            grow(service);
        }
        int i = leastStart[service];
        if (i >= count)
        {
            i = 0;
        }
        int best = i;
        long bestFlows = established.of(ids[i]);
        for (int n = 1; n < count; n++)
        {
            if (++i == count)
            {
                i = 0;
            }
            final long flows = established.of(ids[i]);
            // flows / weight below the best's, cross-multiplied to stay in integers (as nginx's least_conn does).
            if (flows * weights[best] < bestFlows * weights[i])
            {
                best = i;
                bestFlows = flows;
            }
        }
        leastStart[service] = best + 1;
        return ids[best];
    }

    /** Room for state of service ids up to {@code service}: once per new service id, not per flow. */
    private void grow(final int service)
    {
        final int size = Math.max(service + 1, 2 * roundRobinNext.length);
        final int old = roundRobinNext.length;
        roundRobinNext = Arrays.copyOf(roundRobinNext, size);
        Arrays.fill(roundRobinNext, old, size, NOT_STARTED);
        leastStart = Arrays.copyOf(leastStart, size);
    }
}
