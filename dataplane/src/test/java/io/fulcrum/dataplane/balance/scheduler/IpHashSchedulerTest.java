package io.fulcrum.dataplane.balance.scheduler;

import io.fulcrum.dataplane.balance.MaglevTable;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static io.fulcrum.dataplane.balance.scheduler.TestCandidates.candidate;
import static io.fulcrum.dataplane.balance.scheduler.TestCandidates.picksPerBackend;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IpHashSchedulerTest
{
    private static final int M = MaglevTable.DEFAULT_SIZE;

    @Test
    void aClientAlwaysReachesTheSameBackendWhateverItsFlow()
    {
        final IpHashScheduler scheduler = new IpHashScheduler(
            List.of(candidate(0, 1), candidate(1, 1), candidate(2, 1), candidate(3, 1)), M);
        final SplittableRandom random = new SplittableRandom(3);
        for (int client = 0; client < 1000; client++)
        {
            final long clientHash = random.nextLong();
            final Candidate first = scheduler.pick(random.nextLong(), clientHash);
            for (int flow = 0; flow < 20; flow++)
            {
                assertSame(first, scheduler.pick(random.nextLong(), clientHash));
            }
        }
    }

    @Test
    void addingAFifthBackendMovesAboutAFifthOfTheClients()
    {
        final List<Candidate> four = List.of(candidate(0, 1), candidate(1, 1), candidate(2, 1), candidate(3, 1));
        final List<Candidate> five = List.of(four.get(0), four.get(1), four.get(2), four.get(3), candidate(4, 1));
        final IpHashScheduler before = new IpHashScheduler(four, M);
        final IpHashScheduler after = new IpHashScheduler(five, M);

        final SplittableRandom random = new SplittableRandom(17);
        int moved = 0;
        int movedElsewhere = 0;
        for (int client = 0; client < 1000; client++)
        {
            final long clientHash = random.nextLong();
            final int was = before.pick(random.nextLong(), clientHash).backend().id();
            final int is = after.pick(random.nextLong(), clientHash).backend().id();
            if (was != is)
            {
                moved++;
                movedElsewhere += is == 4 ? 0 : 1;
            }
        }
        final double fraction = moved / 1000.0;
        assertTrue(fraction >= 0.12 && fraction <= 0.30, "moved fraction " + fraction);
        assertTrue(movedElsewhere <= 20, "clients moved between the old backends: " + movedElsewhere);
    }

    @Test
    void weightThreeToOneGetsThreeQuartersOfClients()
    {
        final IpHashScheduler scheduler = new IpHashScheduler(List.of(candidate(0, 3), candidate(1, 1)), M);
        final int[] picks = picksPerBackend(scheduler, 1, 40_000);
        assertEquals(0.75, picks[0] / 40_000.0, 0.02);
    }
}
