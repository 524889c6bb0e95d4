package io.fulcrum.dataplane.balance.scheduler;

import io.fulcrum.dataplane.balance.BackendState;
import io.fulcrum.dataplane.balance.Encapsulation;
import io.fulcrum.dataplane.balance.ForwardingTable;
import io.fulcrum.dataplane.balance.MaglevTable;
import io.fulcrum.dataplane.balance.Service;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static io.fulcrum.dataplane.balance.scheduler.TestCandidates.address;
import static io.fulcrum.dataplane.balance.scheduler.TestCandidates.candidate;
import static io.fulcrum.dataplane.balance.scheduler.TestCandidates.picksPerBackend;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MaglevSchedulerTest
{
    @Test
    void picksTheBackendTheDataPlaneForwardsTheFlowTo()
    {
        final List<Candidate> candidates = new ArrayList<>();
        for (int id = 0; id < 7; id++)
        {
            candidates.add(candidate(id * 3 + 1, 1 + id % 3, id == 4 ? BackendState.DRAINING : BackendState.ACTIVE));
        }
        final Service service = new Service(1, "web", address(200), 80, Service.TCP, Encapsulation.IPIP,
            MaglevTable.DEFAULT_SIZE, candidates.stream().map(Candidate::backend).toList());
        final ForwardingTable dataPlane = ForwardingTable.of(1, List.of(service));
        final MaglevScheduler scheduler = new MaglevScheduler(candidates, MaglevTable.DEFAULT_SIZE);

        final SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 20_000; i++)
        {
            final long flowHash = random.nextLong();
            assertEquals(dataPlane.pick(0, flowHash), scheduler.pick(flowHash, random.nextLong()).backend().id());
        }
    }

    @Test
    void keysOnTheFlowNotTheClient()
    {
        final MaglevScheduler scheduler = new MaglevScheduler(
            List.of(candidate(0, 1), candidate(1, 1), candidate(2, 1)), MaglevTable.DEFAULT_SIZE);
        final SplittableRandom random = new SplittableRandom(9);
        int differs = 0;
        for (int i = 0; i < 1000; i++)
        {
            final long clientHash = random.nextLong();
            if (scheduler.pick(random.nextLong(), clientHash) != scheduler.pick(random.nextLong(), clientHash))
            {
                differs++;
            }
        }
        assertTrue(differs > 500, "one client's flows spread over the backends: " + differs + " of 1000 differ");
    }

    @Test
    void weightThreeToOneGetsThreeQuartersOfFlows()
    {
        final MaglevScheduler scheduler = new MaglevScheduler(
            List.of(candidate(0, 3), candidate(1, 1)), MaglevTable.DEFAULT_SIZE);
        final int[] picks = picksPerBackend(scheduler, 1, 40_000);
        assertEquals(0.75, picks[0] / 40_000.0, 0.02);
    }

    @Test
    void aSingleCandidateTakesEveryFlow()
    {
        final Candidate only = candidate(3, 1);
        final MaglevScheduler scheduler = new MaglevScheduler(List.of(only), MaglevTable.DEFAULT_SIZE);
        assertSame(only, scheduler.pick(-1, 0));
        assertSame(only, scheduler.pick(0, 0));
    }
}
