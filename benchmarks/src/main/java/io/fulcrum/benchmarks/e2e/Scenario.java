package io.fulcrum.benchmarks.e2e;

import java.nio.file.Path;

import io.fulcrum.benchmarks.harness.CpuPlan;

/** What forwards the generator's traffic from the VIP to the sink, one at a time on the same topology. */
enum Scenario
{
    FULCRUM_AF_XDP("fulcrum-af_xdp", "Fulcrum AF_XDP"),
    FULCRUM_AF_PACKET("fulcrum-af_packet", "Fulcrum AF_PACKET"),
    KERNEL_NFTABLES("nftables", "kernel forwarding + nftables DNAT"),
    XDP_REDIRECT("xdp-redirect", "XDP redirect (ceiling)");

    final String key;
    final String title;

    Scenario(final String key, final String title)
    {
        this.key = key;
        this.title = title;
    }

    static Scenario byKey(final String key)
    {
        for (final Scenario scenario : values())
        {
            if (scenario.key.equals(key))
            {
                return scenario;
            }
        }
        throw new IllegalArgumentException("unknown scenario '" + key + "' (expected fulcrum-af_xdp, "
            + "fulcrum-af_packet, nftables, xdp-redirect)");
    }

    /** Sets the forwarder up; closing the result takes it down again. */
    AutoCloseable start(final Path launcher, final Path workDir, final CpuPlan plan, final String idle,
        final int nice)
        throws Exception
    {
        return switch (this)
        {
            case FULCRUM_AF_XDP -> FulcrumProcess.start(launcher, workDir, "af_xdp", plan, idle, nice);
            case FULCRUM_AF_PACKET -> FulcrumProcess.start(launcher, workDir, "af_packet", plan, idle, nice);
            case KERNEL_NFTABLES -> NftablesDnat.install();
            case XDP_REDIRECT -> XdpRedirectCeiling.attach(BenchTopology.LB_NS, BenchTopology.LB_IF,
                BenchTopology.LB_IF, BenchTopology.GEN_MAC, BenchTopology.LB_MAC);
        };
    }
}
