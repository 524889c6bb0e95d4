package io.fulcrum.benchmarks.e2e;

/** One scenario's window in one round: counter deltas and the time they were taken over. */
record Measurement(long offered, long delivered, long balancerDrops, double seconds, int generatorRestarts)
{
    double offeredMpps()
    {
        return offered / seconds / 1e6;
    }

    double deliveredMpps()
    {
        return delivered / seconds / 1e6;
    }
}
