package io.fulcrum.dataplane.balance.scheduler;

import io.fulcrum.dataplane.balance.Backend;
import io.fulcrum.dataplane.balance.BackendState;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.SplittableRandom;

/** Candidates and pick counting for the scheduler tests. */
final class TestCandidates
{
    private TestCandidates()
    {
    }

    /** An active backend {@code id} at 10.0.x.y. */
    static Candidate candidate(final int id, final int weight)
    {
        return candidate(id, weight, BackendState.ACTIVE);
    }

    static Candidate candidate(final int id, final int weight, final BackendState state)
    {
        return new Candidate(new Backend(id, address(id), weight, state, 0), new BackendLoad());
    }

    static InetAddress address(final int id)
    {
        try
        {
            return InetAddress.getByAddress(new byte[]{10, 0, (byte)(id >>> 8), (byte)id});
        }
        catch (final UnknownHostException ex)
        {
            throw new AssertionError(ex);
        }
    }

    /** Picks per backend id over {@code picks} random flow and client hashes (seeded, so runs repeat). */
    static int[] picksPerBackend(final Scheduler scheduler, final int maxId, final int picks)
    {
        final SplittableRandom random = new SplittableRandom(42);
        final int[] count = new int[maxId + 1];
        for (int i = 0; i < picks; i++)
        {
            count[scheduler.pick(random.nextLong(), random.nextLong()).backend().id()]++;
        }
        return count;
    }

    /** Picks per backend id, each pick opening work on its backend that is never ended: the load piles up. */
    static int[] picksPerBackendHoldingWork(final Scheduler scheduler, final int maxId, final int picks)
    {
        final SplittableRandom random = new SplittableRandom(42);
        final int[] count = new int[maxId + 1];
        for (int i = 0; i < picks; i++)
        {
            final Candidate chosen = scheduler.pick(random.nextLong(), random.nextLong());
            chosen.load().begin();
            count[chosen.backend().id()]++;
        }
        return count;
    }
}
