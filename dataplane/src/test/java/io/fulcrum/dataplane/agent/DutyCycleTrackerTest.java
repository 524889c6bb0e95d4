package io.fulcrum.dataplane.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

class DutyCycleTrackerTest
{
    private static final long MS = 1_000_000;

    private final CountersManager manager = new CountersManager(
        new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(8 * CountersManager.METADATA_LENGTH)),
        new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(8 * CountersManager.COUNTER_LENGTH)));
    private final AtomicCounter longest = manager.newCounter("longest");
    private final AtomicCounter stalled = manager.newCounter("stalled");
    private final DutyCycleTracker tracker = new DutyCycleTracker(longest, stalled);

    @Test
    void aCycleOverOneMillisecondIsCountedAsAStallAndSetsTheLongest()
    {
        tracker.cycle(0, 20_000, 32);
        tracker.cycle(20_000, 3 * MS, 32);

        assertEquals(1, stalled.get());
        assertEquals(3 * MS - 20_000, longest.get());
    }

    @Test
    void timeTheIdleStrategyWaitedAfterAnEmptyCycleIsNotAStall()
    {
        tracker.cycle(0, 1_000, 0);           // nothing received: the idle strategy may park
        tracker.cycle(50 * MS, 50 * MS + 2_000, 0);

        assertEquals(0, stalled.get());
        assertEquals(2_000, longest.get());
    }

    @Test
    void aGapAfterABusyCycleBelongsToTheWorker()
    {
        tracker.cycle(0, 1_000, 8);           // work done: the idle strategy returned at once
        tracker.cycle(5 * MS, 5 * MS + 1_000, 8); // 5 ms went by in between: preempted, paused

        assertEquals(1, stalled.get());
        assertEquals(5 * MS, longest.get());
    }
}
