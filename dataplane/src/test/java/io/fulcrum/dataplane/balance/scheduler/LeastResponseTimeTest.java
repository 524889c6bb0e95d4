package io.fulcrum.dataplane.balance.scheduler;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.fulcrum.dataplane.balance.scheduler.TestCandidates.candidate;
import static io.fulcrum.dataplane.balance.scheduler.TestCandidates.picksPerBackend;
import static io.fulcrum.dataplane.balance.scheduler.TestCandidates.picksPerBackendHoldingWork;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Requests run on a simulated clock: each backend answers in its own latency, {@link #IN_FLIGHT} at a time. */
class LeastResponseTimeTest
{
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final int IN_FLIGHT = 10;

    private final List<Candidate> candidates = List.of(candidate(0, 1), candidate(1, 1));
    private final long[] latency = new long[2];
    private final ArrayDeque<Candidate> open = new ArrayDeque<>();
    private long now = TimeUnit.SECONDS.toNanos(1000);
    private final LeastResponseTime scheduler = new LeastResponseTime(candidates, () -> now);

    @Test
    void theFastBackendOfTwoGetsMostRequests()
    {
        latency[0] = MS;
        latency[1] = 20 * MS;
        observeOnce();
        final int[] picks = run(1000);
        assertTrue(picks[0] > 800, "fast backend got " + picks[0] + " of 1000");
    }

    @Test
    void aBackendThatSlowsDownLosesItsShareFromItsFirstSlowAnswer()
    {
        latency[0] = 2 * MS;
        latency[1] = 2 * MS;
        observeOnce();
        final int[] before = run(1000);
        assertTrue(before[0] > 300 && before[0] < 700, "equal backends: " + before[0] + " of 1000 to the first");

        latency[0] = 50 * MS;
        drain();
        candidates.get(0).load().observe(latency[0], now);
        final int[] after = run(100);
        assertTrue(after[0] <= 10, "slowed backend still got " + after[0] + " of 100");
    }

    @Test
    void aBackendSlowOnceIsTriedAgainWhenItsLatencyHasDecayed()
    {
        latency[0] = 2 * MS;
        latency[1] = 2 * MS;
        observeOnce();
        candidates.get(0).load().observe(50 * MS, now);
        assertTrue(run(100)[0] <= 10, "avoided while its slow answer is fresh");

        drain();
        now += TimeUnit.MINUTES.toNanos(1);
        final int[] recovered = run(1000);
        assertTrue(recovered[0] > 300, "recovered backend got " + recovered[0] + " of 1000");
    }

    @Test
    void weightThreeToOneHoldsThreeQuartersOfTheWorkAtEqualLatency()
    {
        final List<Candidate> weighted = List.of(candidate(0, 3), candidate(1, 1));
        weighted.get(0).load().observe(MS, now);
        weighted.get(1).load().observe(MS, now);
        final LeastResponseTime scheduler = new LeastResponseTime(weighted, () -> now);
        final int[] picks = picksPerBackendHoldingWork(scheduler, 1, 4000);
        assertEquals(0.75, picks[0] / 4000.0, 0.01);
    }

    @Test
    void weightThreeToOneGetsThreeQuartersOfIdleBackendsWithoutObservations()
    {
        final LeastResponseTime scheduler = new LeastResponseTime(List.of(candidate(0, 3), candidate(1, 1)));
        final int[] picks = picksPerBackend(scheduler, 1, 4000);
        assertEquals(0.75, picks[0] / 4000.0, 0.03);
    }

    private void observeOnce()
    {
        for (int i = 0; i < candidates.size(); i++)
        {
            candidates.get(i).load().observe(latency[i], now);
        }
    }

    /** {@code requests} picked, each ending after its backend's latency once IN_FLIGHT others wait. */
    private int[] run(final int requests)
    {
        final int[] picks = new int[candidates.size()];
        for (int i = 0; i < requests; i++)
        {
            now += MS / 10;
            final Candidate chosen = scheduler.pick(0, 0);
            chosen.load().begin();
            picks[chosen.backend().id()]++;
            open.add(chosen);
            if (open.size() > IN_FLIGHT)
            {
                finish(open.poll());
            }
        }
        return picks;
    }

    private void drain()
    {
        while (!open.isEmpty())
        {
            finish(open.poll());
        }
    }

    private void finish(final Candidate request)
    {
        final long took = latency[request.backend().id()];
        request.load().end(took, now);
    }
}
