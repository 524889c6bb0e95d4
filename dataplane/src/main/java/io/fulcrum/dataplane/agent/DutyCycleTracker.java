package io.fulcrum.dataplane.agent;

import org.agrona.concurrent.status.AtomicCounter;

/**
 * Tracks how long a worker's duty cycles take, as Aeron's driver does ({@code DutyCycleStallTracker}): the longest
 * cycle so far and how many ran over {@link #STALL_THRESHOLD_NS}, in the counters file where {@code fulcrum stat}
 * reads them. A stall of a few milliseconds (a page fault, a preempted core, a slow reload) is invisible to the
 * watchdog's 5 s limit but delays every packet queued behind it.
 *
 * <p>A cycle is measured from its start, or from the end of the previous cycle when that one did work: then the idle
 * strategy did not wait, and the time between the two (preemption, GC) belongs to the worker.
 */
public final class DutyCycleTracker
{
    /** 1 ms: a busy-polling worker's cycle is microseconds; 1 ms is about 1 000 packets queued at 1 Mpps. */
    public static final long STALL_THRESHOLD_NS = 1_000_000;

    private final AtomicCounter longestCycleNs;
    private final AtomicCounter stalledCycles;
    private long previousEnd;
    private boolean previousDidWork;

    public DutyCycleTracker(final AtomicCounter longestCycleNs, final AtomicCounter stalledCycles)
    {
        this.longestCycleNs = longestCycleNs;
        this.stalledCycles = stalledCycles;
    }

    /** Records one cycle that ran from {@code startNs} to {@code endNs} (System.nanoTime) and did {@code work}. */
    public void cycle(final long startNs, final long endNs, final int work)
    {
        final long from = previousDidWork ? previousEnd : startNs;
        final long length = endNs - from;
        if (length > longestCycleNs.getPlain())
        {
            longestCycleNs.setRelease(length);
        }
        if (length > STALL_THRESHOLD_NS)
        {
            stalledCycles.incrementRelease();
        }
        previousEnd = endNs;
        previousDidWork = work > 0;
    }

    /** Forgets the previous cycle: the next one is measured from its own start (after a start or a pause). */
    public void reset()
    {
        previousDidWork = false;
    }
}
