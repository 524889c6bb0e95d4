package io.fulcrum.dataplane.agent;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochClock;

import io.fulcrum.dataplane.balance.ForwardingTable;
import io.fulcrum.dataplane.balance.ForwardingTablePublisher;
import io.fulcrum.dataplane.flow.ConnectionTable;
import io.fulcrum.dataplane.forward.Forwarder;
import io.fulcrum.dataplane.port.PacketBatch;
import io.fulcrum.dataplane.port.Port;
import io.fulcrum.dataplane.stats.DropReason;
import io.fulcrum.dataplane.stats.WorkerCounters;
import io.fulcrum.dataplane.sync.WorkerSync;

/**
 * One worker's duty cycle: receive a batch from its port, decide every frame, hand the batch back, and in idle
 * cycles sweep expired flows. Returns the work done so that its idle strategy can spin, yield or back off. Runs on
 * one thread (pinned to a core in production); the same agent runs synchronously under replay and tests.
 */
public final class ForwardingAgent implements Agent
{
    private static final int EXPIRE_SLOTS_PER_IDLE_CYCLE = 256;
    /** How often the port's drops are copied into the counters: reading the kernel's is a system call. */
    private static final long PORT_DROPS_INTERVAL_MS = 1000;

    private final int workerId;
    private final Port port;
    private final PacketBatch batch;
    private final Forwarder forwarder;
    private final ConnectionTable connections;
    private final ForwardingTablePublisher tables;
    private final EpochClock clock;
    private final WorkerCounters counters;
    private final DutyCycleTracker cycles;
    /** Connection-state sync's rings for this worker; null when sync is off. */
    private WorkerSync sync;
    private long portDropsReadAt = Long.MIN_VALUE / 2;

    public ForwardingAgent(final int workerId, final Port port, final int batchSize, final Forwarder forwarder,
        final ForwardingTablePublisher tables, final EpochClock clock, final WorkerCounters counters)
    {
        this.workerId = workerId;
        this.port = port;
        this.batch = new PacketBatch(batchSize);
        this.forwarder = forwarder;
        this.connections = forwarder.connections();
        this.tables = tables;
        this.clock = clock;
        this.counters = counters;
        this.cycles = new DutyCycleTracker(counters.longestCycleNs(), counters.stalledCycles());
    }

    @Override
    public void onStart()
    {
        cycles.reset();
    }

    @Override
    public int doWork()
    {
        final long start = System.nanoTime();
        final long now = clock.time();
        int work = port.poll();
        final int received = port.receive(batch);
        if (received > 0)
        {
            final ForwardingTable table = tables.current(); // one table for the whole batch
            forwarder.process(batch, table, now);
            port.complete(batch);
            work += received;
            counters.busyCycles().incrementRelease();
        }
        else
        {
            connections.expire(now, EXPIRE_SLOTS_PER_IDLE_CYCLE);
            counters.activeFlows().setRelease(connections.size());
            counters.flowEvictions().setRelease(connections.evictions());
            counters.idleCycles().incrementRelease();
        }
        if (sync != null)
        {
            work += sync.doWork(connections, tables.current(), now);
        }
        if (now - portDropsReadAt >= PORT_DROPS_INTERVAL_MS)
        {
            portDropsReadAt = now;
            publishPortDrops();
        }
        cycles.cycle(start, System.nanoTime(), work);
        return work;
    }

    @Override
    public void onClose()
    {
        counters.activeFlows().setRelease(connections.size());
        counters.flowEvictions().setRelease(connections.evictions());
        publishPortDrops();
    }

    /** The frames the port lost, by reason, into this worker's drop counters (their only writer). */
    private void publishPortDrops()
    {
        port.readKernelDrops();
        for (int reason = DropReason.FIRST_PORT_REASON; reason < DropReason.COUNT; reason++)
        {
            counters.drop(reason).setRelease(port.dropped(reason));
        }
    }

    @Override
    public String roleName()
    {
        return "fulcrum-worker-" + workerId + "-" + port.name();
    }

    /** Turns connection-state sync on for this worker; before the worker's thread starts. */
    public void sync(final WorkerSync workerSync)
    {
        this.sync = workerSync;
        forwarder.sync(workerSync);
    }

    public WorkerSync sync()
    {
        return sync;
    }

    public Forwarder forwarder()
    {
        return forwarder;
    }
}
