package io.fulcrum.dataplane.balance.scheduler;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.fulcrum.dataplane.balance.scheduler.TestCandidates.candidate;
import static io.fulcrum.dataplane.balance.scheduler.TestCandidates.picksPerBackend;
import static io.fulcrum.dataplane.balance.scheduler.TestCandidates.picksPerBackendHoldingWork;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class LeastConnectionsTest
{
    @Test
    void picksTheBackendWithFewestOpenConnections()
    {
        final List<Candidate> candidates = List.of(candidate(0, 1), candidate(1, 1), candidate(2, 1));
        begin(candidates.get(0), 2);
        begin(candidates.get(2), 1);
        final LeastConnections scheduler = new LeastConnections(candidates);
        for (int i = 0; i < 10; i++)
        {
            assertSame(candidates.get(1), scheduler.pick(i, i));
        }
    }

    @Test
    void countsConnectionsPerUnitOfWeight()
    {
        final List<Candidate> candidates = List.of(candidate(0, 4), candidate(1, 1));
        final LeastConnections scheduler = new LeastConnections(candidates);
        begin(candidates.get(0), 3);
        begin(candidates.get(1), 1);
        assertSame(candidates.get(0), scheduler.pick(0, 0), "3 of weight 4 is less than 1 of weight 1");
        begin(candidates.get(0), 2);
        assertSame(candidates.get(1), scheduler.pick(0, 0), "5 of weight 4 is more than 1 of weight 1");
    }

    @Test
    void idleBackendsTakeTurnsInsteadOfTheFirstTakingAll()
    {
        final LeastConnections scheduler = new LeastConnections(
            List.of(candidate(0, 1), candidate(1, 1), candidate(2, 1)));
        for (int round = 0; round < 100; round++)
        {
            for (int id = 0; id < 3; id++)
            {
                assertEquals(id, scheduler.pick(0, 0).backend().id());
            }
        }
    }

    @Test
    void aBackendWithLongConnectionsGetsNoneUntilTheOthersCatchUp()
    {
        final List<Candidate> candidates = List.of(candidate(0, 1), candidate(1, 1), candidate(2, 1));
        begin(candidates.get(0), 10);
        final LeastConnections scheduler = new LeastConnections(candidates);
        assertArrayEquals(new int[]{0, 10, 10}, picksPerBackendHoldingWork(scheduler, 2, 20));
        for (int i = 0; i < 10; i++)
        {
            candidates.get(0).load().end();
        }
        assertArrayEquals(new int[]{10, 0, 0}, picksPerBackendHoldingWork(scheduler, 2, 10));
    }

    @Test
    void weightThreeToOneGetsThreeQuartersWhenIdle()
    {
        final LeastConnections scheduler = new LeastConnections(List.of(candidate(0, 3), candidate(1, 1)));
        assertArrayEquals(new int[]{3000, 1000}, picksPerBackend(scheduler, 1, 4000));
    }

    @Test
    void weightThreeToOneHoldsThreeQuartersOfTheOpenConnections()
    {
        final List<Candidate> candidates = List.of(candidate(0, 3), candidate(1, 1));
        final LeastConnections scheduler = new LeastConnections(candidates);
        picksPerBackendHoldingWork(scheduler, 1, 4000);
        assertEquals(3000, candidates.get(0).load().active(), 3);
        assertEquals(1000, candidates.get(1).load().active(), 3);
    }

    private static void begin(final Candidate candidate, final int connections)
    {
        for (int i = 0; i < connections; i++)
        {
            candidate.load().begin();
        }
    }
}
