package io.fulcrum.dataplane.balance.scheduler;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendLoadTest
{
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long DECAY = TimeUnit.SECONDS.toNanos(10);
    private static final long T0 = TimeUnit.SECONDS.toNanos(1000);

    @Test
    void costIsTheLatencyTimesTheWorkWaitingPlusOne()
    {
        final BackendLoad load = new BackendLoad(DECAY);
        load.observe(4 * MS, T0);
        assertEquals(4 * MS, load.cost(T0), 1);
        load.begin();
        load.begin();
        assertEquals(12 * MS, load.cost(T0), 1);
    }

    @Test
    void aSlowAnswerRaisesTheCostAtOnce()
    {
        final BackendLoad load = new BackendLoad(DECAY);
        load.observe(MS, T0);
        load.observe(50 * MS, T0 + MS);
        assertEquals(50 * MS, load.cost(T0 + MS), 1);
    }

    @Test
    void theLatencyOfABackendNobodyUsesDecaysWithTime()
    {
        final BackendLoad load = new BackendLoad(DECAY);
        load.observe(50 * MS, T0);
        assertEquals(50 * MS / Math.E, load.cost(T0 + DECAY), MS / 100.0);
        assertTrue(load.cost(T0 + 6 * DECAY) < 0.2 * MS, "after six decay times: " + load.cost(T0 + 6 * DECAY));
        assertEquals(50 * MS, load.latencyNanos(), 1, "reading does not change what was observed");
    }

    @Test
    void aFasterAnswerBlendsInWithTheTimeSinceTheLastOne()
    {
        final BackendLoad load = new BackendLoad(DECAY);
        load.observe(50 * MS, T0);
        load.observe(10 * MS, T0 + DECAY / 10);
        final double weight = Math.exp(-0.1);
        assertEquals(50 * MS * weight + 10 * MS * (1 - weight), load.latencyNanos(), 1);
    }

    @Test
    void anAnswerSlowerThanTheDecayedAverageIsTheNewPeak()
    {
        final BackendLoad load = new BackendLoad(DECAY);
        load.observe(50 * MS, T0);
        load.observe(30 * MS, T0 + DECAY);
        assertEquals(30 * MS, load.latencyNanos(), 1, "50 ms decayed for one decay time is 18 ms, below 30");
    }

    @Test
    void aBackendWithoutObservationsCostsNothingIdleAndAPenaltyBusy()
    {
        final BackendLoad load = new BackendLoad(DECAY);
        assertEquals(0, load.cost(T0));
        load.begin();
        assertEquals(2 * BackendLoad.PENALTY_NANOS, load.cost(T0));
    }
}
