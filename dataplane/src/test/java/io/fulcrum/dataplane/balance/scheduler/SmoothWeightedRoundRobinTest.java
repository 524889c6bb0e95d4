package io.fulcrum.dataplane.balance.scheduler;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static io.fulcrum.dataplane.balance.scheduler.TestCandidates.candidate;
import static io.fulcrum.dataplane.balance.scheduler.TestCandidates.picksPerBackend;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SmoothWeightedRoundRobinTest
{
    @Test
    void weightsFiveOneOneGiveNginxsSequence()
    {
        final SmoothWeightedRoundRobin scheduler = new SmoothWeightedRoundRobin(
            List.of(candidate(0, 5), candidate(1, 1), candidate(2, 1)));
        final StringBuilder sequence = new StringBuilder();
        for (int i = 0; i < 14; i++)
        {
            sequence.append((char)('a' + scheduler.pick(0, 0).backend().id()));
        }
        assertEquals("aabacaa" + "aabacaa", sequence.toString());
    }

    @Test
    void equalWeightsTakeTurns()
    {
        final SmoothWeightedRoundRobin scheduler = new SmoothWeightedRoundRobin(
            List.of(candidate(0, 2), candidate(1, 2), candidate(2, 2)));
        for (int round = 0; round < 1000; round++)
        {
            for (int id = 0; id < 3; id++)
            {
                assertEquals(id, scheduler.pick(round, round).backend().id());
            }
        }
    }

    @Test
    void weightThreeToOneGetsExactlyThreeQuarters()
    {
        final SmoothWeightedRoundRobin scheduler = new SmoothWeightedRoundRobin(
            List.of(candidate(0, 3), candidate(1, 1)));
        assertArrayEquals(new int[]{3000, 1000}, picksPerBackend(scheduler, 1, 4000));
    }

    @Test
    void concurrentPicksKeepTheSharesExact() throws Exception
    {
        final SmoothWeightedRoundRobin scheduler = new SmoothWeightedRoundRobin(
            List.of(candidate(0, 5), candidate(1, 1), candidate(2, 1)));
        final AtomicIntegerArray picks = new AtomicIntegerArray(3);
        final ExecutorService threads = Executors.newFixedThreadPool(4);
        final CyclicBarrier start = new CyclicBarrier(4);
        try
        {
            final List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++)
            {
                done.add(threads.submit(() ->
                {
                    start.await();
                    for (int i = 0; i < 700_000; i++)
                    {
                        picks.incrementAndGet(scheduler.pick(i, i).backend().id());
                    }
                    return null;
                }));
            }
            for (final Future<?> future : done)
            {
                future.get(30, TimeUnit.SECONDS);
            }
        }
        finally
        {
            threads.shutdownNow();
        }
        assertEquals(2_000_000, picks.get(0));
        assertEquals(400_000, picks.get(1));
        assertEquals(400_000, picks.get(2));
    }
}
