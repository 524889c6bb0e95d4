package io.fulcrum.benchmarks.proxy;

/**
 * One contender's window in one round: wrk's report, and the CPU time the proxy's process (all its threads) ran
 * between the samples taken just before wrk started and just after it ended ({@code sampledSeconds} apart); -1 for
 * the direct case, which has no proxy. {@code clientCpuBusy}: how busy the CPU of wrk and nginx was meanwhile, with
 * whatever else ran there.
 */
record RequestMeasurement(WrkResult wrk, long proxyCpuNanos, double sampledSeconds, double clientCpuBusy)
{
    double requestsPerSecond()
    {
        return wrk.requestsPerSecond();
    }

    /** Microseconds of the proxy's CPU per request; NaN without a proxy or without requests. */
    double proxyCpuMicrosPerRequest()
    {
        return proxyCpuNanos < 0 || wrk.requests() == 0 ? Double.NaN : proxyCpuNanos / 1e3 / wrk.requests();
    }

    /** How busy the proxy's CPU was with the proxy: near 1 means the proxy, not the client, set the rate. */
    double proxyCpuShare()
    {
        return proxyCpuNanos < 0 ? Double.NaN : proxyCpuNanos / 1e9 / sampledSeconds;
    }
}
