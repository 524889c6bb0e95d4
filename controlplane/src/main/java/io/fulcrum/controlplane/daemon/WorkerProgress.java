package io.fulcrum.controlplane.daemon;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;

import org.agrona.concurrent.status.CountersReader;

import io.fulcrum.dataplane.stats.CounterType;

/**
 * Whether each data-plane worker keeps finishing duty cycles, read from its busy and idle cycle counters: a worker
 * that idles still counts idle cycles, so a count that stops moving means a worker stuck (in a system call, a loop, a
 * lock). Per worker (WorkerCounters sets the worker id as each counter's reference id), so one stalled worker among
 * healthy ones is seen. Sampled by whoever asks (the health answer, the systemd watchdog); a worker is stalled when
 * its count has not changed for longer than the limit.
 */
public final class WorkerProgress
{
    private final CountersReader counters;
    private final int workers;
    private final long stallLimitNanos;
    private final LongSupplier nanoClock;
    private final long[] lastCycles;
    private final long[] lastChange;
    private final long[] cycles;

    public WorkerProgress(final CountersReader counters, final int workers, final long stallLimitNanos,
        final LongSupplier nanoClock)
    {
        this.counters = counters;
        this.workers = workers;
        this.stallLimitNanos = stallLimitNanos;
        this.nanoClock = nanoClock;
        this.lastCycles = new long[workers];
        this.lastChange = new long[workers];
        this.cycles = new long[workers];
        Arrays.fill(lastCycles, -1);
        Arrays.fill(lastChange, nanoClock.getAsLong());
    }

    /** The ids of the workers whose duty cycles have not moved for longer than the limit; empty when all move. */
    public synchronized List<Integer> stalled()
    {
        Arrays.fill(cycles, 0);
        counters.forEach((counterId, typeId, keyBuffer, label) ->
        {
            if (typeId == CounterType.WORKER_BUSY_CYCLES || typeId == CounterType.WORKER_IDLE_CYCLES)
            {
                final long worker = counters.getCounterReferenceId(counterId);
                if (worker >= 0 && worker < workers)
                {
                    cycles[(int)worker] += counters.getCounterValue(counterId);
                }
            }
        });
        final long now = nanoClock.getAsLong();
        final List<Integer> stalled = new ArrayList<>();
        for (int worker = 0; worker < workers; worker++)
        {
            if (cycles[worker] != lastCycles[worker])
            {
                lastCycles[worker] = cycles[worker];
                lastChange[worker] = now;
            }
            else if (now - lastChange[worker] > stallLimitNanos)
            {
                stalled.add(worker);
            }
        }
        return stalled;
    }

    public int workers()
    {
        return workers;
    }
}
