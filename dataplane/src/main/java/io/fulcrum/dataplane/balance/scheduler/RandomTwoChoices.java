package io.fulcrum.dataplane.balance.scheduler;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code random-two-choices}: two distinct candidates drawn at random in proportion to their weights, the one with
 * fewer open connections (or requests) per unit of weight takes the work, the first drawn when they are level
 * (HAProxy's {@code balance random(2)}, Envoy's least-request with two choices). Nearly as even as
 * {@link LeastConnections} without scanning or locking, and without every event loop sending its next connection to
 * the same least-loaded backend.
 *
 * <p>Reads {@link BackendLoad#active()}; the caller begins work on the chosen candidate and ends it. Ignores both
 * hashes. A draw is a binary search over the prefix sums of the weights.
 */
public final class RandomTwoChoices implements Scheduler
{
    private final Candidate[] candidates;
    private final int[] weights;
    private final long[] weightBefore; // sum of the weights of the candidates before i
    private final long totalWeight;

    public RandomTwoChoices(final List<Candidate> candidates)
    {
        this.candidates = Candidate.takingNewWork(candidates);
        weights = Candidate.weightsOf(this.candidates);
        weightBefore = new long[weights.length];
        long total = 0;
        for (int i = 0; i < weights.length; i++)
        {
            weightBefore[i] = total;
            total += weights[i];
        }
        totalWeight = total;
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
        final int a = candidateAt(random.nextLong(totalWeight));
        // The second draw leaves out the first one's weight: distinct, still in proportion to the others' weights.
        long point = random.nextLong(totalWeight - weights[a]);
        if (point >= weightBefore[a])
        {
            point += weights[a];
        }
        final int b = candidateAt(point);
        final long order = (long)candidates[a].load().active() * weights[b] -
            (long)candidates[b].load().active() * weights[a];
        return order <= 0 ? candidates[a] : candidates[b];
    }

    // The candidate whose share of [0, totalWeight) holds point: the last i with weightBefore[i] <= point.
    private int candidateAt(final long point)
    {
        int low = 0;
        int high = weightBefore.length - 1;
        while (low < high)
        {
            final int mid = (low + high + 1) >>> 1;
            if (weightBefore[mid] <= point)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }
        return low;
    }
}
