package io.fulcrum.dataplane.balance.scheduler;

import java.util.List;

/**
 * {@code round-robin}: nginx's smooth weighted round robin ({@code ngx_http_upstream_get_peer}). Each pick adds every
 * candidate's weight to its running credit, takes the candidate with the most credit (the first of equals) and takes
 * the total weight off it. Over any {@code total} consecutive picks each candidate is chosen exactly {@code weight}
 * times, and spread out rather than in runs: weights 5, 1, 1 give a a b a c a a.
 *
 * <p>Ignores both hashes. One short lock around the credits (a scan of the candidates, as nginx holds its upstream
 * lock): the picks of all event loops share one sequence, so the shares hold exactly however picks interleave.
 */
public final class SmoothWeightedRoundRobin implements Scheduler
{
    private final Candidate[] candidates;
    private final int[] weights;
    private final long totalWeight;
    private final long[] credit; // guarded by itself

    public SmoothWeightedRoundRobin(final List<Candidate> candidates)
    {
        this.candidates = Candidate.takingNewWork(candidates);
        weights = Candidate.weightsOf(this.candidates);
        long total = 0;
        for (final int weight : weights)
        {
            total += weight;
        }
        totalWeight = total;
        credit = new long[weights.length];
    }

    @Override
    public Candidate pick(final long flowHash, final long clientHash)
    {
        final int count = candidates.length;
        if (count <= 1)
        {
            return count == 0 ? null : candidates[0];
        }
        int best = 0;
        synchronized (credit)
        {
            for (int i = 0; i < count; i++)
            {
                credit[i] += weights[i];
                if (credit[i] > credit[best])
                {
                    best = i;
                }
            }
            credit[best] -= totalWeight;
        }
        return candidates[best];
    }
}
