package io.fulcrum.benchmarks.e2e;

/**
 * Where the generator and the balancer run. {@code spread}: the generator on one CPU, Fulcrum's JVM on the other. A
 * veth does its receive work (XDP, the AF_PACKET tap, kernel forwarding and nftables) in the softirq of the CPU that
 * sent the frame, so that part stays on the generator's CPU, for every scenario; what Fulcrum transmits, and the
 * sink's XDP behind it, runs on the balancer's CPU (see {@link BenchTopology#receiveOn} for the alternative).
 * {@code one-core}: all of it on one CPU, so the rate is the inverse of the summed per-packet cost of generator,
 * balancer and sink: the fair comparison.
 */
record CpuPlan(String name, int generatorCpu, int balancerCpu)
{
    static CpuPlan spread(final int generatorCpu, final int balancerCpu)
    {
        return new CpuPlan("spread", generatorCpu, balancerCpu);
    }

    static CpuPlan oneCore(final int cpu)
    {
        return new CpuPlan("one-core", cpu, cpu);
    }

    boolean shared()
    {
        return generatorCpu == balancerCpu;
    }

    String describe()
    {
        return shared() ? "generator, balancer and sink all on CPU " + generatorCpu
            : "generator on CPU " + generatorCpu + ", balancer on CPU " + balancerCpu;
    }
}
