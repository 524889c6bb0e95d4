package io.fulcrum.benchmarks.e2e;

/**
 * One scenario's window in one round: counter deltas, the time they were taken over, and the CPU time that the
 * generator, the balancer and the kernel threads doing their softirq work ran meanwhile; {@code detail}: what the
 * balancer itself reported about its drops, or "".
 */
record Measurement(long offered, long delivered, long balancerDrops, double seconds, long cpuNanos,
    int generatorRestarts, String detail)
{
    /** CPU nanoseconds per delivered packet, generator and sink included. */
    double cpuNanosPerPacket()
    {
        return delivered == 0 ? Double.NaN : (double)cpuNanos / delivered;
    }

    double offeredMpps()
    {
        return offered / seconds / 1e6;
    }

    double deliveredMpps()
    {
        return delivered / seconds / 1e6;
    }
}
