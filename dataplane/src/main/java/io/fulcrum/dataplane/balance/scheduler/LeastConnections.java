package io.fulcrum.dataplane.balance.scheduler;

import java.util.List;

/**
 * {@code least-connections}: the candidate with the fewest open connections (or requests) per unit of weight, as
 * nginx's {@code least_conn} ({@code ngx_http_upstream_get_least_conn_peer}) and HAProxy's {@code leastconn} choose.
 * Candidates level with the least take turns by smooth weighted round robin among themselves, as in nginx, so an idle
 * pool is spread by weight instead of all landing on the first candidate.
 *
 * <p>Reads {@link BackendLoad#active()}; the caller {@link BackendLoad#begin() begins} work on the chosen candidate
 * and ends it when the connection closes. Ignores both hashes. One short lock around the scan (the counts are read
 * once into a snapshot so that both passes see the same ones) and the tie-break credits.
 */
public final class LeastConnections implements Scheduler
{
    private final Candidate[] candidates;
    private final int[] weights;
    private final long[] credit; // guarded by itself, as is active
    private final int[] active;

    public LeastConnections(final List<Candidate> candidates)
    {
        this.candidates = Candidate.takingNewWork(candidates);
        weights = Candidate.weightsOf(this.candidates);
        credit = new long[weights.length];
        active = new int[weights.length];
    }

    @Override
    public Candidate pick(final long flowHash, final long clientHash)
    {
        final int count = candidates.length;
        if (count <= 1)
        {
            return count == 0 ? null : candidates[0];
        }
        int best;
        synchronized (credit)
        {
            best = 0;
            boolean many = false;
            for (int i = 0; i < count; i++)
            {
                active[i] = candidates[i].load().active();
                final long order = compare(i, best);
                if (order < 0)
                {
                    best = i;
                    many = false;
                }
                else if (order == 0 && i != best)
                {
                    many = true;
                }
            }
            if (many)
            {
                final int least = best;
                long total = 0;
                for (int i = least; i < count; i++)
                {
                    if (compare(i, least) == 0)
                    {
                        credit[i] += weights[i];
                        total += weights[i];
                        if (credit[i] > credit[best])
                        {
                            best = i;
                        }
                    }
                }
                credit[best] -= total;
            }
        }
        return candidates[best];
    }

    // Sign of active[a] / weights[a] - active[b] / weights[b], cross-multiplied (as nginx does) to stay in integers.
    private long compare(final int a, final int b)
    {
        return (long)active[a] * weights[b] - (long)active[b] * weights[a];
    }
}
