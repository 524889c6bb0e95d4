package io.fulcrum.dataplane.balance.scheduler;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * {@code least-response-time}: power of two choices over peak-EWMA cost, as Finagle's and Linkerd's p2c balancers do
 * it. Two distinct candidates drawn uniformly at random, the one whose {@link BackendLoad#cost(long) cost} (observed
 * latency times open work) is lower takes the request. Two draws instead of a scan keep the pick constant-time and
 * lock-free, and keep event loops that pick at the same moment from all piling onto the one best backend.
 *
 * <p>Weights: Finagle's p2c ignores them; here each cost is divided by its candidate's weight, so a backend of weight
 * 3 is worth taking until it costs three times as much as one of weight 1 (under load it holds about three times the
 * open work of an equally fast one). Candidates of equal cost per weight (idle ones before any observation) are
 * chosen between by weight.
 *
 * <p>Needs observed responses ({@link BackendLoad#end(long, long)}): meaningless in DSR mode, which sees none.
 * Ignores both hashes.
 */
public final class LeastResponseTime implements Scheduler
{
    private final Candidate[] candidates;
    private final int[] weights;
    private final LongSupplier nanoClock;

    public LeastResponseTime(final List<Candidate> candidates)
    {
        this(candidates, System::nanoTime);
    }

    /** @param nanoClock the clock the latencies are observed on, {@link System#nanoTime()} but in tests */
    public LeastResponseTime(final List<Candidate> candidates, final LongSupplier nanoClock)
    {
        this.candidates = Candidate.takingNewWork(candidates);
        this.nanoClock = nanoClock;
        weights = Candidate.weightsOf(this.candidates);
    }

    @Override
    public Candidate pick(final long flowHash, final long clientHash)
    {
        final int count = candidates.length;
        if (count <= 1)
        {
            return count == 0 ? null : candidates[0];
        }
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        final int a = random.nextInt(count);
        int b = random.nextInt(count - 1);
        if (b >= a)
        {
            b++;
        }
        final long now = nanoClock.getAsLong();
        final double costA = candidates[a].load().cost(now) / weights[a];
        final double costB = candidates[b].load().cost(now) / weights[b];
        if (costA != costB)
        {
            return costA < costB ? candidates[a] : candidates[b];
        }
        return random.nextInt(weights[a] + weights[b]) < weights[a] ? candidates[a] : candidates[b];
    }
}
