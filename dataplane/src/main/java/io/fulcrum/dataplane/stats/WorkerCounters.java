package io.fulcrum.dataplane.stats;

import java.util.Arrays;

import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * The counters one worker writes: its own totals, drops by reason, and packets, bytes and new flows per service and
 * per backend. Each counter has this worker as its only writer, so increments are plain read-modify-write with a
 * release store ({@code incrementRelease}), never a locked instruction.
 *
 * <p>Per-object counters are created by the control thread ({@link CountersRegistry}) before it publishes a table
 * that names the object; the worker reads {@link #objects()} once per batch.
 */
public final class WorkerCounters
{
    private final int workerId;
    private final AtomicCounter rxPackets;
    private final AtomicCounter txPackets;
    private final AtomicCounter passPackets;
    private final AtomicCounter flowEvictions;
    private final AtomicCounter activeFlows;
    private final AtomicCounter busyCycles;
    private final AtomicCounter idleCycles;
    private final AtomicCounter icmpTooBigSent;
    private final AtomicCounter longestCycleNs;
    private final AtomicCounter stalledCycles;
    private final AtomicCounter[] drops = new AtomicCounter[DropReason.COUNT];
    private volatile ObjectCounters objects = new ObjectCounters(0, 0);

    WorkerCounters(final CountersManager manager, final int workerId)
    {
        this.workerId = workerId;
        rxPackets = worker(manager, CounterType.WORKER_RX_PACKETS, 0, "rx packets");
        txPackets = worker(manager, CounterType.WORKER_TX_PACKETS, 0, "tx packets");
        passPackets = worker(manager, CounterType.WORKER_PASS_PACKETS, 0, "passed to host");
        flowEvictions = worker(manager, CounterType.WORKER_FLOW_EVICTIONS, 0, "flows evicted (table full)");
        activeFlows = worker(manager, CounterType.WORKER_ACTIVE_FLOWS, 0, "active flows");
        busyCycles = worker(manager, CounterType.WORKER_BUSY_CYCLES, 0, "busy duty cycles");
        idleCycles = worker(manager, CounterType.WORKER_IDLE_CYCLES, 0, "idle duty cycles");
        icmpTooBigSent = worker(manager, CounterType.WORKER_ICMP_TOO_BIG_SENT, 0, "icmp too-big sent");
        stalledCycles = worker(manager, CounterType.WORKER_STALLED_CYCLES, 0, "duty cycles over 1 ms");
        // A maximum: labelled without the " [worker N]" suffix, so that readers show it per worker, never summed.
        longestCycleNs = manager.newCounter("longest duty cycle, ns (worker " + workerId + ")",
            CounterType.WORKER_LONGEST_CYCLE_NS);
        manager.setCounterOwnerId(longestCycleNs.id(), workerId);
        manager.setCounterReferenceId(longestCycleNs.id(), workerId);
        for (int reason = 0; reason < DropReason.COUNT; reason++)
        {
            drops[reason] = worker(manager, CounterType.WORKER_DROP, reason, "dropped: " + DropReason.name(reason));
        }
    }

    private AtomicCounter worker(final CountersManager manager, final int type, final int owner, final String what)
    {
        final AtomicCounter counter = manager.newCounter(what + " [worker " + workerId + "]", type);
        manager.setCounterOwnerId(counter.id(), owner);
        manager.setCounterReferenceId(counter.id(), workerId);
        return counter;
    }

    public int workerId()
    {
        return workerId;
    }

    public AtomicCounter rxPackets()
    {
        return rxPackets;
    }

    public AtomicCounter txPackets()
    {
        return txPackets;
    }

    public AtomicCounter passPackets()
    {
        return passPackets;
    }

    public AtomicCounter flowEvictions()
    {
        return flowEvictions;
    }

    public AtomicCounter activeFlows()
    {
        return activeFlows;
    }

    public AtomicCounter busyCycles()
    {
        return busyCycles;
    }

    public AtomicCounter idleCycles()
    {
        return idleCycles;
    }

    public AtomicCounter icmpTooBigSent()
    {
        return icmpTooBigSent;
    }

    public AtomicCounter longestCycleNs()
    {
        return longestCycleNs;
    }

    public AtomicCounter stalledCycles()
    {
        return stalledCycles;
    }

    public AtomicCounter drop(final int reason)
    {
        return drops[reason];
    }

    public ObjectCounters objects()
    {
        return objects;
    }

    void objects(final ObjectCounters newObjects)
    {
        objects = newObjects;
    }

    /** Per-service and per-backend counters of one worker, indexed by the object's id; null where none exists. */
    public static final class ObjectCounters
    {
        final AtomicCounter[] servicePackets;
        final AtomicCounter[] serviceBytes;
        final AtomicCounter[] serviceNewFlows;
        final AtomicCounter[] backendPackets;
        final AtomicCounter[] backendBytes;
        final AtomicCounter[] backendNewFlows;

        ObjectCounters(final int services, final int backends)
        {
            servicePackets = new AtomicCounter[services];
            serviceBytes = new AtomicCounter[services];
            serviceNewFlows = new AtomicCounter[services];
            backendPackets = new AtomicCounter[backends];
            backendBytes = new AtomicCounter[backends];
            backendNewFlows = new AtomicCounter[backends];
        }

        ObjectCounters(final ObjectCounters from, final int services, final int backends)
        {
            servicePackets = Arrays.copyOf(from.servicePackets, Math.max(services, from.servicePackets.length));
            serviceBytes = Arrays.copyOf(from.serviceBytes, servicePackets.length);
            serviceNewFlows = Arrays.copyOf(from.serviceNewFlows, servicePackets.length);
            backendPackets = Arrays.copyOf(from.backendPackets, Math.max(backends, from.backendPackets.length));
            backendBytes = Arrays.copyOf(from.backendBytes, backendPackets.length);
            backendNewFlows = Arrays.copyOf(from.backendNewFlows, backendPackets.length);
        }

        /** Counts one forwarded packet of {@code bytes} for a service and a backend; new flows separately. */
        public void forwarded(final int serviceId, final int backendId, final int bytes, final boolean newFlow)
        {
            if (serviceId < servicePackets.length && servicePackets[serviceId] != null)
            {
                servicePackets[serviceId].incrementRelease();
                serviceBytes[serviceId].getAndAddRelease(bytes);
                if (newFlow)
                {
                    serviceNewFlows[serviceId].incrementRelease();
                }
            }
            if (backendId < backendPackets.length && backendPackets[backendId] != null)
            {
                backendPackets[backendId].incrementRelease();
                backendBytes[backendId].getAndAddRelease(bytes);
                if (newFlow)
                {
                    backendNewFlows[backendId].incrementRelease();
                }
            }
        }
    }
}
