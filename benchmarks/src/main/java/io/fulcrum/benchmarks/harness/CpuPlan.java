package io.fulcrum.benchmarks.harness;

/**
 * Where the generator (the load: trafgen, or wrk with its nginx backends) and the balancer (what is measured: Fulcrum,
 * nftables, HAProxy) run. {@code spread}: the generator on one CPU, the balancer on the other. A veth does its
 * receive work in the softirq of the CPU that sent the frame, so what the generator sends is received on the
 * generator's CPU and what the balancer sends on the balancer's (see the e2e harness's {@code BenchTopology.receiveOn}
 * for the alternative). {@code one-core}: all of it on one CPU, so the rate is the inverse of the summed per-packet
 * cost of generator, balancer and sink: the fair comparison.
 */
public record CpuPlan(String name, int generatorCpu, int balancerCpu)
{
    public static CpuPlan spread(final int generatorCpu, final int balancerCpu)
    {
        return new CpuPlan("spread", generatorCpu, balancerCpu);
    }

    public static CpuPlan oneCore(final int cpu)
    {
        return new CpuPlan("one-core", cpu, cpu);
    }

    public boolean shared()
    {
        return generatorCpu == balancerCpu;
    }

    public String describe()
    {
        return shared() ? "generator, balancer and sink all on CPU " + generatorCpu
            : "generator on CPU " + generatorCpu + ", balancer on CPU " + balancerCpu;
    }
}
