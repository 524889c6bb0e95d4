package io.fulcrum.dataplane.balance.scheduler;

/**
 * Picks the backend for a new connection (or, in the HTTP proxy, a new request) among the candidates it was built
 * with. A scheduler is built for one published set of backends and replaced, not changed, when weights, drain or
 * health change; the {@link BackendLoad} of each backend outlives it, so counts and latencies carry over.
 *
 * <p>Thread-safe: the proxy's event loops and the data plane's workers pick from the same instance.
 */
public interface Scheduler
{
    /**
     * @param flowHash   a hash of the flow's 5-tuple (what {@code maglev} keys on)
     * @param clientHash a hash of the client's address alone (what {@code ip-hash} keys on)
     * @return the chosen backend, or null when no candidate takes new work (none healthy, all drained or weight 0)
     */
    Candidate pick(long flowHash, long clientHash);
}
