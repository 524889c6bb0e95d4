package io.fulcrum.dataplane.balance.scheduler;

import io.fulcrum.dataplane.balance.Backend;
import io.fulcrum.dataplane.balance.BackendState;

import java.util.List;
import java.util.Objects;

/**
 * A backend a scheduler may choose, with the live load the load-aware schedulers read.
 *
 * @param backend as the control plane published it: weight and state (active, draining, down) decide whether it is
 *                chosen at all
 * @param load    kept per backend across rebuilds of the scheduler
 */
public record Candidate(Backend backend, BackendLoad load)
{
    public Candidate
    {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(load, "load");
    }

    /** Active and of weight above 0: drained (weight 0 or draining) and down backends are never chosen. */
    public boolean takesNewWork()
    {
        return backend.state() == BackendState.ACTIVE && backend.weight() > 0;
    }

    /** The candidates that {@link #takesNewWork()}, in their given order: what every scheduler is built over. */
    static Candidate[] takingNewWork(final List<Candidate> candidates)
    {
        int count = 0;
        for (final Candidate candidate : candidates)
        {
            if (candidate.takesNewWork())
            {
                count++;
            }
        }
        final Candidate[] eligible = new Candidate[count];
        int n = 0;
        for (final Candidate candidate : candidates)
        {
            if (candidate.takesNewWork())
            {
                eligible[n++] = candidate;
            }
        }
        return eligible;
    }

    /** Each candidate's weight, in the same order. */
    static int[] weightsOf(final Candidate[] candidates)
    {
        final int[] weights = new int[candidates.length];
        for (int i = 0; i < weights.length; i++)
        {
            weights[i] = candidates[i].backend().weight();
        }
        return weights;
    }
}
