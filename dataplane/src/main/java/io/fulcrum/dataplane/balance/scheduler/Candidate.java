package io.fulcrum.dataplane.balance.scheduler;

import io.fulcrum.dataplane.balance.Backend;

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
}
