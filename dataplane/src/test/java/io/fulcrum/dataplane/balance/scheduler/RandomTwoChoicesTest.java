package io.fulcrum.dataplane.balance.scheduler;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.fulcrum.dataplane.balance.scheduler.TestCandidates.candidate;
import static io.fulcrum.dataplane.balance.scheduler.TestCandidates.picksPerBackend;
import static io.fulcrum.dataplane.balance.scheduler.TestCandidates.picksPerBackendHoldingWork;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class RandomTwoChoicesTest
{
    @Test
    void theLessLoadedOfTwoTakesTheWork()
    {
        final List<Candidate> candidates = List.of(candidate(0, 1), candidate(1, 1));
        for (int i = 0; i < 5; i++)
        {
            candidates.get(0).load().begin();
        }
        final RandomTwoChoices scheduler = new RandomTwoChoices(candidates);
        for (int i = 0; i < 100; i++)
        {
            assertSame(candidates.get(1), scheduler.pick(i, i));
        }
    }

    @Test
    void theTwoChoicesAreDistinctSoTheMostLoadedBackendIsNeverChosen()
    {
        final List<Candidate> candidates = new ArrayList<>();
        for (int id = 0; id < 10; id++)
        {
            candidates.add(candidate(id, id == 9 ? 5 : 1));
        }
        for (int i = 0; i < 1000; i++)
        {
            candidates.get(9).load().begin();
        }
        final int[] picks = picksPerBackend(new RandomTwoChoices(candidates), 9, 10_000);
        assertEquals(0, picks[9]);
    }

    @Test
    void idleBackendsAreChosenInProportionToWeight()
    {
        final RandomTwoChoices scheduler = new RandomTwoChoices(
            List.of(candidate(0, 1), candidate(1, 1), candidate(2, 1), candidate(3, 5)));
        final int[] picks = picksPerBackend(scheduler, 3, 16_000);
        assertEquals(5 / 8.0, picks[3] / 16_000.0, 0.02);
        assertEquals(1 / 8.0, picks[0] / 16_000.0, 0.02);
    }

    @Test
    void weightThreeToOneGetsThreeQuartersWhenIdle()
    {
        final int[] picks = picksPerBackend(new RandomTwoChoices(List.of(candidate(0, 3), candidate(1, 1))), 1, 4000);
        assertEquals(0.75, picks[0] / 4000.0, 0.03);
    }

    @Test
    void weightThreeToOneHoldsThreeQuartersOfTheOpenConnections()
    {
        final List<Candidate> candidates = List.of(candidate(0, 3), candidate(1, 1));
        picksPerBackendHoldingWork(new RandomTwoChoices(candidates), 1, 4000);
        assertEquals(3000, candidates.get(0).load().active(), 4);
    }
}
